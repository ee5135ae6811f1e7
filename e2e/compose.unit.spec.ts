// Checks docker-compose.yml and the Dockerfile without a Docker engine: nothing here can run
// the containers, so the wiring that would only break at `docker compose up` is checked here.
// e2e/compose-db-init.int.spec.ts runs the databases' init script against a real Postgres.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { serviceNames, services as sagaServices, type ServiceName } from "@saga-shop/contracts";
import { parse } from "yaml";
import { VIEWER_PORT } from "../apps/viewer/src/config";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

// merge: the file shares blocks through `<<` merge keys, which YAML 1.2 leaves off by default.
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, any>; volumes?: Record<string, unknown> };
const services = compose.services;

// The saga map's services and ports (contracts' services.json): compose must run each on its port.
const APPS = Object.fromEntries(serviceNames.map((s) => [s, sagaServices[s].port])) as Record<ServiceName, number>;
const APP_NAMES = serviceNames;
// Every container that runs the project's image: the four services, the viewer and the topic creator.
const IMAGE_USERS = [...APP_NAMES, "viewer", "kafka-init"];

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

// "3001:3001" (every interface), "127.0.0.1:3001:3001" or { host_ip, published, target }.
function ports(service: any): Array<{ hostIp: string; published: number; target: number }> {
  return (service.ports ?? []).map((p: any) => {
    if (typeof p === "object") return { hostIp: p.host_ip ?? "0.0.0.0", published: Number(p.published), target: Number(p.target) };
    const parts = String(p).split(":");
    return {
      hostIp: parts.length === 3 ? parts[0]! : "0.0.0.0",
      published: Number(parts[parts.length - 2]),
      target: Number(parts[parts.length - 1]),
    };
  });
}

// "source:target[:mode]" or { source, target }.
function volumes(service: any): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).map((v: any) => {
    if (typeof v === "object") return { source: String(v.source), target: String(v.target) };
    const [source, target] = String(v).split(":");
    return { source: source!, target: target! };
  });
}

/** A heap scripts/kafka.sh gives its brokers: SINGLE_HEAP (the one broker) or NODE_HEAP (a cluster's node). */
function localHeap(name: "SINGLE_HEAP" | "NODE_HEAP"): string {
  const heap = new RegExp(`^${name}="([^"]+)"$`, "m").exec(read("scripts/kafka.sh"))?.[1];
  if (!heap) throw new Error(`scripts/kafka.sh sets no ${name}`);
  return heap;
}

const hasHealthcheck = (service: any) =>
  Array.isArray(service.healthcheck?.test) && service.healthcheck.test[0] !== "NONE" && service.healthcheck.disable !== true;

// `name = value` lines of infra/postgres/postgresql.conf, the settings every Postgres of the project gets.
const serverSettings: Record<string, string> = Object.fromEntries(
  read("infra/postgres/postgresql.conf")
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([a-z_.]+)\s*=\s*'?([^']*?)'?$/i.exec(line);
      if (!match) throw new Error(`infra/postgres/postgresql.conf: not a "name = value" line: ${line}`);
      return [match[1]!, match[2]!];
    }),
);
// What compose adds for its own log only (the saga's lines should not drown in checkpoints).
const COMPOSE_ONLY_SETTINGS = { log_min_messages: "warning" };

// The `-c name=value` pairs of a postgres command, and anything else it passes.
function postgresSettings(command: unknown): { settings: Record<string, string>; rest: string[] } {
  const args = Array.isArray(command) ? command.map(String) : String(command ?? "").split(/\s+/).filter(Boolean);
  const settings: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const pair = args[i] === "-c" ? args[++i] : args[i]!.startsWith("-c") ? args[i]!.slice(2) : undefined;
    if (pair === undefined) {
      rest.push(args[i]!);
      continue;
    }
    const [name, ...value] = pair.split("=");
    if (name! in settings) throw new Error(`${name} is passed twice`);
    settings[name!] = value.join("=");
  }
  return { settings, rest };
}

test("every published port is bound to 127.0.0.1 only: services 3001-3004, the viewer 3000, Kafka 9092", () => {
  const published = Object.entries(services).flatMap(([name, service]) => ports(service).map((p) => ({ name, ...p })));
  expect(published.map((p) => `${p.name}:${p.published}`).sort()).toEqual(
    ["delivery:3004", "kafka:9092", "order:3001", "payment:3003", "user:3002", "viewer:3000"].sort(),
  );
  for (const port of published) expect(port).toMatchObject({ hostIp: "127.0.0.1" });
});

describe("docker-compose.yml: more instances of a service (the `scale` profile)", () => {
  const replicaOf = (name: ServiceName) => services[`${name}-replica`];
  const withoutName = (e: Record<string, string>) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== "INSTANCE_NAME" && k !== "COORDINATOR_ID"));

  test.each(APP_NAMES)("%s-replica is the same service (image, command, database, settings, dependencies), only under the profile", (name) => {
    const replica = replicaOf(name);
    expect(replica.profiles).toEqual(["scale"]);
    expect(replica.scale).toBe(0); // none unless --scale asks: the profile on does not start one of each
    expect(services[name].profiles).toBeUndefined(); // the default `up` runs one of each, as before
    for (const key of ["image", "command", "init", "pull_policy", "healthcheck", "stop_grace_period", "expose", "depends_on"]) {
      expect({ key, value: replica[key] }).toEqual({ key, value: services[name][key] });
    }
    // Shares the service's database and consumer group (the group is the service's name).
    expect(withoutName(env(replica))).toEqual(withoutName(env(services[name])));
  });

  test.each(APP_NAMES)("%s-replica publishes no host port (its replicas could not all bind one) and names itself by its container", (name) => {
    expect(ports(replicaOf(name))).toEqual([]);
    expect(env(replicaOf(name)).INSTANCE_NAME).toBe(`${name}@{hostname}`);
  });

  test("an order replica is a coordinator of its own, not order-1 (which would resume order-1's transactions as its own)", () => {
    expect(env(services.order).COORDINATOR_ID).toBe("order-1");
    expect(env(replicaOf("order")).COORDINATOR_ID).toBe("");
  });

  test("the coordinator's participant URLs name the services, not their replicas: it asks the first instance", () => {
    for (const url of String(services.order.environment.PARTICIPANT_URLS).split(",")) expect(url).not.toMatch(/replica/);
  });
});

describe("docker-compose.yml: the two-phase commit", () => {
  const participants = ["user", "payment", "delivery"] as const;

  test("each participant's API is exposed on the compose network (its port + 100) and never published", () => {
    for (const name of participants) {
      const port = APPS[name] + 100;
      expect({ name, expose: services[name].expose }).toEqual({ name, expose: [String(port)] });
      expect(ports(services[name]).map((p) => p.target)).not.toContain(port);
    }
  });

  test("the coordinator reaches them by their compose names, and every service gets the same secret", () => {
    const urls = String(services.order.environment.PARTICIPANT_URLS);
    expect(urls.split(",").sort()).toEqual(participants.map((p) => `${p}=http://${p}:${APPS[p] + 100}`).sort());
    const tokens = new Set(APP_NAMES.map((name) => services[name].environment.TWO_PHASE_COMMIT_TOKEN));
    expect(tokens.size).toBe(1);
    expect(String([...tokens][0])).toMatch(/^\$\{TWO_PHASE_COMMIT_TOKEN:-.{16,}\}$/);
  });
});

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

  test("has the local broker's heap (scripts/kafka.sh)", () => {
    expect(env(kafka).KAFKA_HEAP_OPTS).toBe(localHeap("SINGLE_HEAP"));
  });

  test("containers and kafka-init use an address the broker advertises (or clients get lost)", () => {
    const advertised = env(kafka).KAFKA_ADVERTISED_LISTENERS!.split(",").map((l) => l.replace(/^[^:]+:\/\//, ""));
    expect(advertised).toContain("kafka:19092");
    expect(advertised).toContain("localhost:9092");
    for (const name of IMAGE_USERS) {
      for (const broker of env(services[name]).KAFKA_BROKERS!.split(",")) expect(advertised).toContain(broker);
    }
  });

  test("kafka-init creates the topics once the broker is healthy", () => {
    const init = services["kafka-init"];
    expect(init.command).toEqual(["node", "packages/messaging/dist/create-topics.js"]);
    expect(dependsOn(init).kafka).toBe("service_healthy");
  });

  describe("its log: warnings, errors and the started line, on stdout", () => {
    // The apache/kafka image takes /mnt/shared/config/log4j2.yaml at start (applying KAFKA_LOG4J_*).
    const mount = volumes(kafka).find((v) => v.target === "/mnt/shared/config/log4j2.yaml");
    const file = mount?.source.replace(/^\.\//, "") ?? "";
    const config = file && existsSync(join(root, file)) ? (parse(read(file)) as any).Configuration : undefined;

    test("a log4j2 config of the project is mounted where the image looks for one", () => {
      expect(mount).toBeDefined();
      expect(file).toMatch(/^infra\/kafka\//);
      expect(config).toBeDefined();
    });

    test("the root logger writes WARN and above to a console appender", () => {
      expect(config.Loggers.Root.level).toBe("WARN");
      expect(config.Appenders.Console.target ?? "SYSTEM_OUT").toBe("SYSTEM_OUT");
      expect(config.Loggers.Root.AppenderRef).toEqual([{ ref: config.Appenders.Console.name }]);
    });

    test("keeps INFO only for the line saying the broker started", () => {
      expect(config.Loggers.Logger).toEqual([{ name: "kafka.server.KafkaRaftServer", level: "INFO" }]);
    });

    test("keeps the shape the image's merger reads: Logger and Root's AppenderRef as lists", () => {
      // A single map under Logger makes Kafka 4.1's docker wrapper replace the whole file with
      // a bare `Root: ERROR` (KAFKA-21520); checked against kafka_2.13-4.1.1's KafkaDockerWrapper.
      expect(Array.isArray(config.Loggers.Logger)).toBe(true);
      expect(Array.isArray(config.Loggers.Root.AppenderRef)).toBe(true);
    });
  });
});

describe("docker-compose.yml: one image for the services and kafka-init", () => {
  const imageOf = (name: string) => services[name].image;

  test("all six run the same image, and only one of them builds it, from the Dockerfile", () => {
    const image = imageOf("kafka-init");
    expect(image).toBeTruthy();
    for (const name of IMAGE_USERS) expect(imageOf(name)).toBe(image);
    const builders = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(builders.map(([name]) => name)).toEqual(["kafka-init"]);
    const build = services["kafka-init"].build;
    expect(build.context).toBe(".");
    expect(build.dockerfile).toBe("Dockerfile");
    // The image is the same for everyone, so nothing may make it differ.
    expect(build.args ?? {}).toEqual({});
    expect(build.target).toBeUndefined();
  });

  test("the containers that only run the image never try to pull it from a registry", () => {
    expect(services["kafka-init"].pull_policy).toBe("build");
    for (const name of [...APP_NAMES, "viewer"]) expect(services[name].pull_policy).toBe("never");
  });

  test.each(APP_NAMES)("%s runs its own main.js, as an exec-form command under tini (graceful shutdown)", (name) => {
    expect(services[name].command).toEqual(["node", `services/${name}/dist/main.js`]);
    expect(services[name].init).toBe(true);
    expect(existsSync(join(root, "services", name, "src", "main.ts"))).toBe(true);
  });

  test("kafka-init too runs under tini", () => {
    expect(services["kafka-init"].init).toBe(true);
  });
});

describe.each(APP_NAMES)("docker-compose.yml: %s service", (name) => {
  const service = services[name];
  const port = APPS[name];

  test(`listens on ${port} on all interfaces and publishes it`, () => {
    expect(env(service).PORT).toBe(String(port));
    expect(env(service).HOST).toBe("0.0.0.0");
    expect(ports(service)).toContainEqual({ hostIp: "127.0.0.1", published: port, target: port });
  });

  test("logs readable lines, as `pnpm start` does (LOG_PRETTY)", () => {
    expect(env(service).LOG_PRETTY).toBe("1");
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

  test("DATABASE_URL connects to its own database as its service role, not the container's superuser", () => {
    const url = new URL(env(service).DATABASE_URL!);
    const db = env(services[`${name}-db`]);
    const user = decodeURIComponent(url.username);
    expect(url.hostname).toBe(`${name}-db`);
    expect(user).toBe(`${name}_service`);
    expect(user).toBe(db.SERVICE_USER);
    expect(user).not.toBe(db.POSTGRES_USER ?? "postgres");
    expect(decodeURIComponent(url.password)).toBe(db.SERVICE_PASSWORD);
    expect(url.pathname).toBe(`/${name}_service`);
    expect(url.pathname.slice(1)).toBe(db.SERVICE_DB);
  });
});

describe("docker-compose.yml: the viewer", () => {
  const viewer = services.viewer;

  test("runs apps/viewer's main.js under tini, on its port (its config's default), published on 127.0.0.1", () => {
    expect(viewer.command).toEqual(["node", "apps/viewer/dist/main.js"]);
    expect(viewer.init).toBe(true);
    expect(existsSync(join(root, "apps", "viewer", "src", "main.ts"))).toBe(true);
    expect(env(viewer)).toMatchObject({ PORT: String(VIEWER_PORT), HOST: "0.0.0.0", LOG_PRETTY: "1" });
    expect(ports(viewer)).toEqual([{ hostIp: "127.0.0.1", published: VIEWER_PORT, target: VIEWER_PORT }]);
  });

  test("owns no database: no DATABASE_URL, depends on no database, only on the topics existing", () => {
    expect(env(viewer).DATABASE_URL).toBeUndefined();
    const deps = dependsOn(viewer);
    expect(Object.keys(deps).filter((d) => d.endsWith("-db"))).toEqual([]);
    expect(deps["kafka-init"]).toBe("service_completed_successfully");
  });

  test("places the demo orders on the order service, at its compose address and port", () => {
    const url = new URL(env(viewer).ORDER_URL!);
    expect(url.hostname).toBe("order");
    expect(Number(url.port)).toBe(APPS.order);
    expect(dependsOn(viewer).order).toBeDefined();
  });

  test("has the services' readiness healthcheck and a stop grace period", () => {
    expect(viewer.healthcheck.test.join(" ")).toContain("/health/ready");
    expect(viewer.stop_grace_period).toBeDefined();
  });
});

test("no two services share a database (host or database name)", () => {
  const urls = APP_NAMES.map((name) => new URL(env(services[name]).DATABASE_URL!));
  expect(new Set(urls.map((u) => u.hostname)).size).toBe(APP_NAMES.length);
  expect(new Set(urls.map((u) => u.pathname)).size).toBe(APP_NAMES.length);
});

describe.each(APP_NAMES)("docker-compose.yml: %s-db", (name) => {
  const db = services[`${name}-db`];

  test("is postgres:18-alpine", () => {
    expect(db.image).toBe("postgres:18-alpine");
  });

  test("is healthy only once the server answers over TCP, not just the init server on its socket", () => {
    expect(hasHealthcheck(db)).toBe(true);
    const check = db.healthcheck.test.slice(1).join(" ");
    expect(check).toMatch(/\bpg_isready\b/);
    expect(check).toMatch(/(^|\s)(-h\s*|--host[= ])127\.0\.0\.1(\s|$)/);
  });

  test("keeps its data in a named volume at /var/lib/postgresql (PostgreSQL 18 images: PGDATA is 18/docker below it)", () => {
    const data = volumes(db).filter((v) => v.target.startsWith("/var/lib/postgresql"));
    expect(data.map((v) => v.target)).toEqual(["/var/lib/postgresql"]);
    expect(Object.keys(compose.volumes ?? {})).toContain(data[0]!.source);
    expect(env(db).PGDATA).toBeUndefined();
  });

  test("starts the server with exactly the settings of infra/postgres/postgresql.conf (and compose's log level)", () => {
    expect(Object.keys(serverSettings).length).toBeGreaterThan(0);
    const { settings, rest } = postgresSettings(db.command);
    expect(rest).toEqual(["postgres"]);
    expect(settings).toEqual({ ...serverSettings, ...COMPOSE_ONLY_SETTINGS });
  });

  test("has a superuser of its own and the service's role and database for the init script", () => {
    const e = env(db);
    expect(e.POSTGRES_USER).toBeTruthy();
    expect(e.POSTGRES_PASSWORD).toBeTruthy();
    expect(e).toMatchObject({ SERVICE_USER: `${name}_service`, SERVICE_PASSWORD: `${name}_service`, SERVICE_DB: `${name}_service` });
    expect(e.SERVICE_USER).not.toBe(e.POSTGRES_USER);
    expect(e.SERVICE_PASSWORD).not.toBe(e.POSTGRES_PASSWORD);
    // POSTGRES_DB would make the image create the service database itself, owned by the superuser.
    expect(e.POSTGRES_DB ?? e.POSTGRES_USER).not.toBe(e.SERVICE_DB);
  });

  test("mounts infra/postgres/init-service-role.sh into /docker-entrypoint-initdb.d", () => {
    const init = volumes(db).filter((v) => v.target.startsWith("/docker-entrypoint-initdb.d/"));
    expect(init.map((v) => v.source)).toEqual(["./infra/postgres/init-service-role.sh"]);
    expect(init[0]!.target).toMatch(/\.sh$/);
  });
});

describe("infra/postgres/init-service-role.sh (run by the postgres image on an empty volume)", () => {
  const file = "infra/postgres/init-service-role.sh";
  const script = read(file);
  // The SQL it gives psql, with psql's :"identifier" and :'literal' variables.
  const sql = /<<'SQL'\n([\s\S]*?)\nSQL\n/.exec(script)?.[1] ?? "";
  const statements = sql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join(" ")
    .split(";")
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  const variable = (name: string) => new RegExp(`--set ${name}="\\$([A-Z_]+)"`).exec(script)?.[1];

  test("is a bash script the image runs itself (executable), failing on any error", () => {
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(statSync(join(root, file)).mode & 0o111).not.toBe(0);
    expect(script).toMatch(/^set -E?eo pipefail$/m);
    expect(script).toMatch(/psql -v ON_ERROR_STOP=1 /);
  });

  test("takes the role, its password and its database from SERVICE_USER, SERVICE_PASSWORD, SERVICE_DB", () => {
    expect({ role: variable("role"), password: variable("password"), database: variable("database") }).toEqual({
      role: "SERVICE_USER",
      password: "SERVICE_PASSWORD",
      database: "SERVICE_DB",
    });
    for (const name of ["SERVICE_USER", "SERVICE_PASSWORD", "SERVICE_DB"]) expect(script).toContain(`: "\${${name}:?`);
  });

  test("creates a LOGIN role that is no superuser and cannot create roles or databases, as the local run's", () => {
    expect(statements[0]).toBe(`CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password'`);
  });

  test("creates the database owned by that role, and takes CONNECT away from everyone else", () => {
    expect(statements.slice(1)).toEqual([`CREATE DATABASE :"database" OWNER :"role"`, `REVOKE ALL ON DATABASE :"database" FROM PUBLIC`]);
  });
});

test("a package that names a pino transport target has it as a dependency of its own (the image has no devDependencies)", () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? entry.name === "generated" ? [] : sources(join(dir, entry.name))
        : entry.name.endsWith(".ts") && !entry.name.includes(".spec.") ? [join(dir, entry.name)] : [],
    );
  const packages = ["packages", "services", "apps"].flatMap((dir) => readdirSync(join(root, dir)).map((pkg) => join(dir, pkg)));
  const found: string[] = [];
  for (const pkg of packages) {
    if (!existsSync(join(root, pkg, "src"))) continue;
    const dependencies = Object.keys(JSON.parse(read(join(pkg, "package.json"))).dependencies ?? {});
    for (const file of sources(join(pkg, "src"))) {
      for (const [, target] of read(file).matchAll(/\btarget:\s*"([^"./][^"]*)"/g)) {
        found.push(target!);
        expect({ file, target, dependency: dependencies.includes(target!) }).toEqual({ file, target, dependency: true });
      }
    }
  }
  expect(found).toContain("pino-pretty");
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  // Instructions with their continuation lines joined and comments dropped.
  const instructions = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  // Stages by name: each one's FROM line and the instructions under it.
  const stages = new Map<string, { from: string; lines: string[] }>();
  let current: { from: string; lines: string[] } | undefined;
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = { from: from[1]!, lines: [] };
      stages.set(from[2] ?? `#${stages.size}`, current);
    } else current?.lines.push(line);
  }
  const runtime = [...stages.values()].at(-1)!;
  const installs = [...stages.entries()].filter(([, stage]) => stage.lines.some((l) => /\bpnpm install\b/.test(l)));

  const workspacePackages = ["packages", "services", "apps"].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((pkg) => existsSync(join(root, dir, pkg, "package.json")))
      .map((pkg) => `${dir}/${pkg}`),
  );
  // What runs: the services, the apps (the viewer) and the workspace packages they depend on,
  // directly or not (not the development tooling, e.g. packages/schema-tools).
  const manifestOf = (pkg: string) => JSON.parse(readFileSync(join(root, pkg, "package.json"), "utf8"));
  const folderOf = new Map(workspacePackages.map((pkg) => [manifestOf(pkg).name as string, pkg]));
  const runtimePackages = new Set<string>();
  const visit = (pkg: string) => {
    if (runtimePackages.has(pkg)) return;
    runtimePackages.add(pkg);
    for (const name of Object.keys(manifestOf(pkg).dependencies ?? {})) if (folderOf.has(name)) visit(folderOf.get(name)!);
  };
  for (const pkg of workspacePackages.filter((p) => p.startsWith("services/") || p.startsWith("apps/"))) visit(pkg);

  test("uses BuildKit's Dockerfile syntax (cache mounts)", () => {
    expect(text.split("\n")[0]).toBe("# syntax=docker/dockerfile:1");
  });

  test("the runtime stage runs as a user that is not root", () => {
    const users = runtime.lines.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]!);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  test("is one image for every process: no build args, no per-service CMD", () => {
    expect(instructions.filter((l) => /^ARG\s/i.test(l))).toEqual([]);
    // Its default command may explain, not start one of the services: compose names the process.
    expect(runtime.lines.filter((l) => /^(CMD|ENTRYPOINT)\s/i.test(l)).join(" ")).not.toMatch(/\$\{?SERVICE|"node",\s*"services\//);
  });

  test("the runtime stage is the production tree only: one COPY from a stage that installed with --prod", () => {
    const copies = runtime.lines.filter((l) => /^(COPY|ADD)\s/i.test(l));
    expect(copies).toHaveLength(1);
    const source = /--from=(\S+)/.exec(copies[0]!)?.[1];
    const production = stages.get(source ?? "");
    expect(production).toBeDefined();
    const install = production!.lines.filter((l) => /\bpnpm install\b/.test(l));
    expect(install.map((l) => / --prod\b/.test(l))).toEqual([true]);
    // Only the services, the viewer and what they depend on: development tooling stays out of the image.
    expect(install[0]).toMatch(/ --filter "@saga-shop\/\*-service\.\.\."/);
    expect(install[0]).toMatch(/ --filter "@saga-shop\/viewer\.\.\."/);
    // Or @prisma/client's optional peers come along: the prisma CLI, typescript, react (Dockerfile).
    expect(install[0]).toMatch(/ --no-optional\b/);
    expect(runtime.lines.some((l) => /\bpnpm\b/.test(l))).toBe(false);
  });

  test("the production stage takes from the build only each package's dist/, each service's migrations and the viewer's page", () => {
    const production = stages.get(/--from=(\S+)/.exec(runtime.lines.find((l) => /^COPY\s/i.test(l))!)![1]!)!;
    const fromBuild = production.lines
      .filter((l) => /^COPY\s+--from=/i.test(l))
      .map((l) => l.split(/\s+/).slice(-2)[0]!.replace(/^\/app\//, ""));
    // dist/, the migrations a package applies at start (a service's own, the messaging tables'),
    // and the static files it serves (the viewer's public/).
    const migrationsOf = (pkg: string) => [`${pkg}/prisma/migrations`, `${pkg}/migrations`, `${pkg}/public`].filter((dir) => existsSync(join(root, dir)));
    const expected = [...runtimePackages].flatMap((pkg) => [`${pkg}/dist`, ...migrationsOf(pkg)]);
    expect(expected).toContain("packages/messaging/migrations");
    expect(expected).toEqual(expect.arrayContaining(["apps/viewer/dist", "apps/viewer/public"]));
    expect(expected).not.toContain("packages/schema-tools/dist");
    expect(fromBuild.sort()).toEqual(expected.sort());
    expect(production.lines.some((l) => /^COPY\s+\.\s/i.test(l))).toBe(false);
  });

  test("every pnpm install keeps its store in a BuildKit cache mount", () => {
    expect(installs.length).toBe(2);
    for (const [, stage] of installs) {
      for (const line of stage.lines.filter((l) => /\bpnpm install\b/.test(l))) {
        const target = /--mount=type=cache,(?:[^ ]*,)?target=(\S+?)(,|\s)/.exec(line)?.[1];
        expect(target).toBeDefined();
        expect(line).toContain(`--store-dir ${target}`);
        expect(line).toContain("--frozen-lockfile");
      }
    }
  });

  test("copies every workspace package's manifest, and the patches, before installing (COPY flattens globs)", () => {
    expect(workspacePackages.length).toBeGreaterThanOrEqual(7);
    const install = instructions.findIndex((l) => /pnpm install --frozen-lockfile/.test(l));
    expect(install).toBeGreaterThan(0);
    const copiedBeforeInstall = instructions.slice(0, install).join("\n");
    for (const pkg of workspacePackages) expect(copiedBeforeInstall).toContain(`COPY ${pkg}/package.json `);
    // and the patches pnpm applies while installing (a frozen install fails without them)
    const patched = (parse(read("pnpm-workspace.yaml")) as { patchedDependencies?: Record<string, string> }).patchedDependencies;
    for (const patch of Object.values(patched ?? {})) {
      expect(existsSync(join(root, patch))).toBe(true);
      expect(copiedBeforeInstall).toMatch(new RegExp(`^COPY (${patch}|${dirname(patch)}/) `, "m"));
    }
    // and both installs see those same files: their stages start from the one that copied them
    const manifestStage = [...stages.entries()].find(([, s]) => s.lines.some((l) => l.startsWith("COPY pnpm-lock.yaml") || / pnpm-lock\.yaml /.test(l)));
    for (const [, stage] of installs) expect(stage.from).toBe(manifestStage?.[0]);
  });

  test(".dockerignore keeps host builds, installs, tests, bench and chaos code out of the context", () => {
    const ignored = read(".dockerignore").split(/\r?\n/).map((l) => l.trim());
    for (const pattern of ["**/node_modules", "**/dist", "**/src/generated", "**/*.tsbuildinfo", ".local", ".git"]) {
      expect(ignored).toContain(pattern);
    }
    for (const pattern of ["**/*.spec.ts", "e2e", "chaos", "bench", "test-support"]) expect(ignored).toContain(pattern);
  });
});

describe("docker-compose.cluster.yml: Kafka as three nodes, over docker-compose.yml", () => {
  const override = parse(read("docker-compose.cluster.yml"), { merge: true }) as { services: Record<string, any> };
  // Compose's merge, for what the override uses: environment and depends_on merged by key,
  // volumes by their target path, anything else replaced.
  const merged: Record<string, any> = { ...services };
  for (const [name, changes] of Object.entries(override.services)) {
    const base = services[name] ?? {};
    const byTarget = new Map([...volumes(base), ...volumes(changes)].map((v) => [v.target, v]));
    merged[name] = {
      ...base,
      ...changes,
      environment: { ...env(base), ...env(changes) },
      depends_on: { ...(base.depends_on ?? {}), ...(changes.depends_on ?? {}) },
      volumes: [...byTarget.values()],
    };
  }
  const nodes = ["kafka", "kafka-2", "kafka-3"].map((name) => ({ name, ...merged[name], env: env(merged[name]) }));

  test("three combined broker+controller nodes of one cluster, one quorum of the three, the base broker's image", () => {
    expect(nodes.map((n) => n.env.KAFKA_NODE_ID)).toEqual(["1", "2", "3"]);
    for (const node of nodes) {
      expect(node.image).toBe(services.kafka.image);
      expect(node.env.KAFKA_PROCESS_ROLES).toBe("broker,controller");
      expect(node.env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093");
      expect(hasHealthcheck(node)).toBe(true);
    }
    expect(new Set(nodes.map((n) => n.env.CLUSTER_ID)).size).toBe(1);
    expect(nodes[0]!.env.CLUSTER_ID).not.toBe(env(services.kafka).CLUSTER_ID);
  });

  test("replicated as the notes say: RF 3, min.insync.replicas 2, no unclean leader election, internal topics too", () => {
    for (const { env: e } of nodes) {
      expect([e.KAFKA_DEFAULT_REPLICATION_FACTOR, e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, e.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR]).toEqual(["3", "3", "3"]);
      expect([e.KAFKA_MIN_INSYNC_REPLICAS, e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR]).toEqual(["2", "2"]);
      expect(e.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE).toBe("false");
      expect(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe("false");
    }
  });

  test("each node has the local cluster node's heap (scripts/kafka.sh) and a data volume of its own", () => {
    for (const node of nodes) expect(node.env.KAFKA_HEAP_OPTS).toBe(localHeap("NODE_HEAP"));
    const data = nodes.map((n) => volumes(n).find((v) => v.target === "/var/lib/kafka/data")?.source);
    expect(new Set(data).size).toBe(3);
    expect(data).not.toContain(volumes(services.kafka).find((v) => v.target === "/var/lib/kafka/data")?.source);
    for (const source of data) expect(Object.keys((override as any).volumes ?? {})).toContain(source);
  });

  test("on the host 127.0.0.1:9092, 9094, 9096, each advertised as it is published", () => {
    expect(nodes.map((n) => ports(n).map((p) => `${p.hostIp}:${p.published}:${p.target}`))).toEqual([["127.0.0.1:9092:9092"], ["127.0.0.1:9094:9094"], ["127.0.0.1:9096:9096"]]);
    expect(nodes.map((n) => n.env.KAFKA_ADVERTISED_LISTENERS)).toEqual(
      nodes.map((n, i) => `INTERNAL://${n.name}:19092,HOST://localhost:${9092 + 2 * i}`),
    );
  });

  test("every container of the image (the scale profile's replicas too) knows all three brokers, and the topics wait for all three", () => {
    const internal = nodes.map((n) => `${n.name}:19092`);
    for (const name of [...IMAGE_USERS, ...APP_NAMES.map((n) => `${n}-replica`)]) expect({ name, brokers: env(merged[name]).KAFKA_BROKERS!.split(",") }).toEqual({ name, brokers: internal });
    expect(dependsOn(merged["kafka-init"])).toEqual({ kafka: "service_healthy", "kafka-2": "service_healthy", "kafka-3": "service_healthy" });
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

(haveCompose ? test : test.skip)("docker-compose config -q accepts the file with the scale profile on", () => {
  const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "--profile", "scale", "config", "-q"], { cwd: root, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 60_000);

(haveCompose ? test : test.skip)("docker-compose config -q accepts the file with the cluster override", () => {
  const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "-f", "docker-compose.cluster.yml", "config", "-q"], { cwd: root, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}, 60_000);
