// Checks docker-compose.yml and the Dockerfile without a Docker engine: nothing here can run
// the containers, so the wiring that would only break at `docker compose up` is checked here.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

// merge: the file shares blocks through `<<` merge keys, which YAML 1.2 leaves off by default.
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, any> };
const services = compose.services;

const APPS = { order: 3001, user: 3002, payment: 3003, delivery: 3004 } as const;
type App = keyof typeof APPS;
const APP_NAMES = Object.keys(APPS) as App[];

// Compose accepts both the map and the list ("KEY=value") form; compare values as strings.
function env(service: any): Record<string, string> {
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.map((line: string) => [line.split("=")[0], line.slice(line.indexOf("=") + 1)]));
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
}

// The list form ["db"] only waits for the container to start, which counts as no condition.
function dependsOn(service: any): Record<string, string | undefined> {
  const raw = service.depends_on ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name: string) => [name, undefined]));
  return Object.fromEntries(Object.entries(raw).map(([name, v]: [string, any]) => [name, v?.condition]));
}

// "3001:3001", "127.0.0.1:3001:3001" or { published, target }.
function ports(service: any): Array<{ published: number; target: number }> {
  return (service.ports ?? []).map((p: any) => {
    if (typeof p === "object") return { published: Number(p.published), target: Number(p.target) };
    const parts = String(p).split(":");
    return { published: Number(parts[parts.length - 2]), target: Number(parts[parts.length - 1]) };
  });
}

const hasHealthcheck = (service: any) =>
  Array.isArray(service.healthcheck?.test) && service.healthcheck.test[0] !== "NONE" && service.healthcheck.disable !== true;

describe("docker-compose.yml: kafka", () => {
  const kafka = services.kafka;

  test("runs the same Kafka version as the local broker (infra/kafka/pom.xml)", () => {
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read("infra/kafka/pom.xml"))?.[1];
    expect(version).toBeDefined();
    expect(kafka.image).toBe(`apache/kafka:${version}`);
  });

  test("is a single KRaft node with topic auto-creation off and a healthcheck", () => {
    const e = env(kafka);
    expect(e.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe("false");
    expect(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe("1");
    expect(hasHealthcheck(kafka)).toBe(true);
  });

  test("containers and kafka-init use an address the broker advertises (or clients get lost)", () => {
    const advertised = env(kafka).KAFKA_ADVERTISED_LISTENERS!.split(",").map((l) => l.replace(/^[^:]+:\/\//, ""));
    expect(advertised).toContain("kafka:19092");
    expect(advertised).toContain("localhost:9092");
    for (const name of [...APP_NAMES, "kafka-init"]) {
      for (const broker of env(services[name]).KAFKA_BROKERS!.split(",")) expect(advertised).toContain(broker);
    }
  });

  test("kafka-init creates the topics once the broker is healthy", () => {
    const init = services["kafka-init"];
    expect(init.command).toEqual(["node", "packages/messaging/dist/create-topics.js"]);
    expect(init.build.dockerfile).toBe("Dockerfile");
    expect(dependsOn(init).kafka).toBe("service_healthy");
  });
});

describe.each(APP_NAMES)("docker-compose.yml: %s service", (name) => {
  const service = services[name];
  const port = APPS[name];

  test("is built from the Dockerfile with its own SERVICE arg", () => {
    expect(service.build.context).toBe(".");
    expect(service.build.dockerfile).toBe("Dockerfile");
    expect(service.build.args.SERVICE).toBe(name);
  });

  test(`listens on ${port} on all interfaces and publishes it`, () => {
    expect(env(service).PORT).toBe(String(port));
    expect(env(service).HOST).toBe("0.0.0.0");
    expect(ports(service)).toContainEqual({ published: port, target: port });
  });

  test("has a readiness healthcheck and a stop grace period", () => {
    expect(hasHealthcheck(service)).toBe(true);
    expect(service.healthcheck.test.join(" ")).toContain("/health/ready");
    expect(service.stop_grace_period).toBeDefined();
  });

  test("starts after its own database is healthy and the topics exist", () => {
    const deps = dependsOn(service);
    expect(deps[`${name}-db`]).toBe("service_healthy");
    expect(deps["kafka-init"]).toBe("service_completed_successfully");
    // Depending on another service's database would hide a shared-database shortcut.
    expect(Object.keys(deps).filter((d) => d.endsWith("-db"))).toEqual([`${name}-db`]);
  });

  test("DATABASE_URL points at its own database with that database's credentials", () => {
    const url = new URL(env(service).DATABASE_URL!);
    const db = env(services[`${name}-db`]);
    expect(url.hostname).toBe(`${name}-db`);
    expect(url.pathname).toBe(`/${name}_service`);
    expect(decodeURIComponent(url.username)).toBe(db.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(db.POSTGRES_PASSWORD);
    expect(url.pathname.slice(1)).toBe(db.POSTGRES_DB);
  });
});

test("no two services share a database (host or database name)", () => {
  const urls = APP_NAMES.map((name) => new URL(env(services[name]).DATABASE_URL!));
  expect(new Set(urls.map((u) => u.hostname)).size).toBe(APP_NAMES.length);
  expect(new Set(urls.map((u) => u.pathname)).size).toBe(APP_NAMES.length);
});

describe.each(APP_NAMES)("docker-compose.yml: %s-db", (name) => {
  const db = services[`${name}-db`];

  test("is Postgres 15 with a healthcheck and a named volume", () => {
    expect(db.image).toMatch(/^postgres:15(\D|$)/);
    expect(hasHealthcheck(db)).toBe(true);
    expect(db.healthcheck.test.join(" ")).toContain("pg_isready");
    expect(db.volumes?.length).toBeGreaterThan(0);
  });
});

describe("Dockerfile", () => {
  // Instructions with their continuation lines joined and comments dropped.
  const instructions = read("Dockerfile")
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const runtimeStage = instructions.slice(instructions.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));

  test("the runtime stage runs as a user that is not root", () => {
    const users = runtimeStage.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]!);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  test("the runtime stage receives SERVICE and starts that service", () => {
    expect(runtimeStage.some((l) => /^ARG\s+SERVICE\b/i.test(l))).toBe(true);
    expect(runtimeStage.some((l) => /^ENV\b.*\bSERVICE=\$\{?SERVICE\}?/i.test(l))).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's shell expands it, not JavaScript.
    expect(runtimeStage.find((l) => /^CMD\s/i.test(l))).toContain("services/${SERVICE}/dist/main.js");
  });

  test("copies every workspace package's manifest before installing (COPY flattens globs)", () => {
    const manifests = ["packages", "services"].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((pkg) => existsSync(join(root, dir, pkg, "package.json")))
        .map((pkg) => `${dir}/${pkg}/package.json`),
    );
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    const install = instructions.findIndex((l) => /pnpm install --frozen-lockfile/.test(l));
    expect(install).toBeGreaterThan(0);
    const copiedBeforeInstall = instructions.slice(0, install).join("\n");
    for (const manifest of manifests) expect(copiedBeforeInstall).toContain(`COPY ${manifest} `);
    // and the patches pnpm applies while installing (a frozen install fails without them)
    const patched = (parse(read("pnpm-workspace.yaml")) as { patchedDependencies?: Record<string, string> }).patchedDependencies;
    for (const patch of Object.values(patched ?? {})) {
      expect(existsSync(join(root, patch))).toBe(true);
      expect(copiedBeforeInstall).toMatch(new RegExp(`^COPY (${patch}|${dirname(patch)}/) `, "m"));
    }
  });

  test(".dockerignore keeps host builds and installs out of the context at every depth", () => {
    const ignored = read(".dockerignore").split(/\r?\n/).map((l) => l.trim());
    for (const pattern of ["**/node_modules", "**/dist", "**/src/generated", "**/*.tsbuildinfo", ".local", ".git"]) {
      expect(ignored).toContain(pattern);
    }
  });
});

// Compose's own validation (schema, merge keys, conditions), when the tool is installed.
const composeCli = spawnSync("docker-compose", ["version"], { encoding: "utf8" });
const haveCompose = !composeCli.error && composeCli.status === 0;
if (!haveCompose) {
  console.log("docker-compose is not on PATH: skipping `docker-compose config -q` (apt-get install -y docker-compose)");
}
(haveCompose ? test : test.skip)("docker-compose config -q accepts the file", () => {
  const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], { cwd: root, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 60_000);
