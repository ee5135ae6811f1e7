// `pnpm start`: the whole system on this machine, without Docker. Checks that nothing holds its
// ports, builds, starts its own Postgres cluster (data kept in .local/postgres across runs) and
// a Kafka broker (jars from Maven Central; a cluster of three nodes with --cluster), prepares the
// four databases, creates the topics and runs the four services with readable logs, and the
// viewer (the live page, on :3000).
//
// It stops everything it started, in order (services, then Kafka, then Postgres), and nothing
// else, on Ctrl-C, SIGTERM or SIGHUP to this process, or when the process that started it dies
// (pnpm itself exits on SIGTERM without passing it on, which would leave all this running).
//
// `--instances payment=3,user=2` runs several processes of a service (scripts/lib/instances.mjs).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { databaseServer, prepareDatabases } from "./lib/databases.mjs";
import { clustered, environments, portIn } from "./lib/environments.mjs";
import { instanceOf, instancesFromArgs, withoutInstances } from "./lib/instances.mjs";
import { describeHolder, portHolder } from "./lib/ports.mjs";
import { root, servicePorts, services } from "./lib/run.mjs";

// `--cluster`: Kafka as a cluster of three nodes (scripts/kafka.sh, KAFKA_NODES=3), not one broker.
const cluster = process.argv.includes("--cluster");
let counts;
try {
  counts = instancesFromArgs(process.argv.slice(2), services);
  const unknown = withoutInstances(process.argv.slice(2)).filter((a) => a !== "--cluster");
  if (unknown.length) throw new Error(`pnpm start takes only --instances service=count,... and --cluster; got ${unknown.join(" ")}`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
/** Every process of every service: one each, unless --instances asks for more. */
const instances = services.flatMap((service) => Array.from({ length: counts[service] }, (_, i) => ({ service, k: i + 1, ...instanceOf(service, i + 1, counts[service]) })));

const environment = cluster ? clustered(environments.start) : environments.start;
const portOf = (service, portOffset = 0) => portIn(environment, servicePorts[service]) + portOffset;
// The two-phase commit's participant APIs: 100 above each participant's port, on loopback, and
// a secret of this run's that only the coordinator (the order service) is given besides them.
// Every instance of a participant listens on its own; the coordinator is given the first one's:
// it asks that instance only (any instance could answer, prepared transactions are the
// database's, but one URL per participant keeps the coordinator as it is).
const participants = services.filter((s) => s !== "order");
const participantPortOf = (service, portOffset = 0) => portOf(service, portOffset) + 100;
const twoPhaseCommitToken = randomBytes(24).toString("base64url");
// The viewer (apps/viewer): the services' base port, 3000 (+ SAGA_PORT_SHIFT).
const viewerPort = portIn(environment, 3000);
const postgres = databaseServer(environment);
const lockFile = join(root, ".local", "start.pid");

/** What must be stopped, last started first. */
const started = [];
let current; // the child of the step under way
let stopping;

function stopAll(why, code = 0) {
  stopping ??= (async () => {
    console.log(`\n${why}: stopping ${started.length ? started.map((s) => s.name).reverse().join(", then ") : "(nothing was started yet)"}...`);
    current?.kill("SIGTERM");
    for (const { name, stop } of started.reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`could not stop ${name}: ${error.message}`);
        code ||= 1;
      }
    }
    rmSync(lockFile, { force: true });
    process.exit(code);
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void stopAll(signal));
// Orphaned: whoever started us is gone (pnpm killed, a terminal closed), so nobody can stop us.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void stopAll(`the process that started this one (pid ${parent}) exited`), 500).unref();

/** Runs a step's command; resolves when it succeeds, stops everything if it fails. */
function step(command, args, options = {}) {
  return new Promise((resolve) => {
    if (stopping) return;
    const child = spawn(command, args, { stdio: "inherit", cwd: root, ...options });
    current = child;
    child.on("exit", (code, signal) => {
      current = undefined;
      if (stopping) return;
      if (code === 0) resolve();
      else void stopAll(`${[command, ...args].map((a) => a.replace(root, ".")).join(" ")} failed (${code ?? signal})`, 1);
    });
  });
}

async function refuseIfTaken() {
  let other;
  try {
    other = Number(readFileSync(lockFile, "utf8"));
    process.kill(other, 0);
  } catch {
    other = undefined;
  }
  const wanted = [
    ...instances.map(({ service, name, portOffset }) => [portOf(service, portOffset), `the ${service} service (${name})`]),
    ...instances
      .filter(({ service }) => participants.includes(service))
      .map(({ service, name, portOffset }) => [participantPortOf(service, portOffset), `the ${service} service's participant API (two-phase commit, ${name})`]),
    [viewerPort, "the viewer"],
    ...environment.kafkaNodes.flatMap(({ node, port, controllerPort }) => {
      const which = cluster ? ` node ${node}` : "";
      return [[port, `Kafka${which}`], [controllerPort, `Kafka${which}'s controller`]];
    }),
    ...(postgres.own ? [[environment.postgresPort, "Postgres"]] : []),
  ];
  const taken = [];
  for (const [port, what] of wanted) {
    const holder = await portHolder(port);
    if (holder) taken.push(`  port ${port} (${what}) is held by ${describeHolder(holder)}`);
  }
  const clusterPid = postgres.cluster?.pid();
  if (clusterPid) taken.push(`  the Postgres cluster ${postgres.cluster.dataDir} already runs (postmaster pid ${clusterPid})`);
  if (other || taken.length) {
    console.error(
      [
        other ? `saga-shop is already running: another \`pnpm start\` (pid ${other}) holds ${lockFile}.` : "saga-shop cannot start: what it needs is taken.",
        ...taken,
        other
          ? "Stop that one first (Ctrl-C in its terminal, or kill it): it stops its services, Kafka and Postgres."
          : "Stop what holds them (a broker or cluster left by an earlier run: `pnpm kafka stop`, `pnpm postgres start stop`), or free the ports.",
      ].join("\n"),
    );
    process.exit(1);
  }
  mkdirSync(join(root, ".local"), { recursive: true });
  writeFileSync(lockFile, String(process.pid));
}

await refuseIfTaken();
await step(process.execPath, [join(root, "scripts", "build.mjs")]);

if (postgres.own) {
  console.log(`postgres: starting ${postgres.describe} (data in ${postgres.cluster.dataDir}, kept between runs)...`);
  await step(process.execPath, [join(root, "scripts", "postgres.mjs"), environment.name, "start"]);
  started.push({ name: "Postgres", stop: () => postgres.stop() });
}
const kafka = (verb) => step("bash", [join(root, "scripts", "kafka.sh"), verb], { env: { ...process.env, ...environment.kafka } });
started.push({ name: "Kafka", stop: () => new Promise((resolve) => spawn("bash", [join(root, "scripts", "kafka.sh"), "stop"], { stdio: "inherit", env: { ...process.env, ...environment.kafka } }).on("exit", resolve)) });
await kafka("start");
const databaseUrls = await prepareDatabases(postgres.adminUrl).catch((error) => stopAll(error.message, 1));
await step(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")], { env: { ...process.env, KAFKA_BROKERS: environment.brokers } });

// The coordinator asks each participant's first instance (see participantPortOf).
const participantUrls = participants.map((p) => `${p}=http://127.0.0.1:${participantPortOf(p)}`).join(",");
const children = instances.map(({ service, k, name, portOffset }) => {
  const child = spawn(process.execPath, [join(root, "services", service, "dist", "main.js")], {
    stdio: "inherit",
    cwd: root,
    env: {
      ...process.env,
      PORT: String(portOf(service, portOffset)),
      // Its name in the logs, as a member of the group and as the outbox relay (unset: the service's).
      ...(counts[service] > 1 && { INSTANCE_NAME: name }),
      DATABASE_URL: databaseUrls[service],
      KAFKA_BROKERS: environment.brokers,
      LOG_PRETTY: process.env.LOG_PRETTY ?? "1",
      TWO_PHASE_COMMIT_TOKEN: twoPhaseCommitToken,
      PARTICIPANT_PORT: String(participantPortOf(service, portOffset)),
      PARTICIPANT_URLS: participantUrls,
      // A coordinator restarted under its name resumes its own two-phase commits at once.
      // Each order instance a coordinator of its own; another takes over its transactions once its lease has run out.
      COORDINATOR_ID: `order-${k}`,
    },
  });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  child.instance = { service, name };
  child.exited.then((code) => {
    if (stopping) return;
    // Another instance of the service goes on: its group takes over this one's partitions (and
    // its outbox relay, if this one published). Without one, the system is not whole: stop.
    const others = children.filter((c) => c !== child && c.instance?.service === service && c.exitCode === null && c.signalCode === null);
    if (others.length) console.log(`\n${name} exited (${code}); ${others.map((c) => c.instance.name).join(", ")} go${others.length === 1 ? "es" : ""} on with its partitions\n`);
    else void stopAll(`the ${service} service exited (${code})`, 1);
  });
  return child;
});
// The viewer follows the topics and serves the live page; it needs no database of its own.
const viewer = spawn(process.execPath, [join(root, "apps", "viewer", "dist", "main.js")], {
  stdio: "inherit",
  cwd: root,
  env: { ...process.env, PORT: String(viewerPort), KAFKA_BROKERS: environment.brokers, ORDER_URL: `http://127.0.0.1:${portOf("order")}`, LOG_PRETTY: process.env.LOG_PRETTY ?? "1" },
});
viewer.exited = new Promise((resolve) => viewer.on("exit", (code, signal) => resolve(code ?? signal)));
viewer.exited.then((code) => stopping || void stopAll(`the viewer exited (${code})`, 1));
children.push(viewer);
started.push({
  name: "the services",
  stop: async () => {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((child) => child.exited));
  },
});
const listening = [...instances.map(({ service, name, portOffset }) => `${name} :${portOf(service, portOffset)}`), `viewer http://localhost:${viewerPort}`].join(", ");
console.log(`\nsaga-shop is starting: ${listening}; Postgres: ${postgres.describe}; Kafka ${cluster ? `cluster ${environment.brokers}` : environment.brokers} (Ctrl-C stops all)\n`);
