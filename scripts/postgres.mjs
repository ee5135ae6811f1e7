// `pnpm postgres <command> [start|stop|status|restart|crash|reset|url]`: the Postgres cluster of a
// root command (start, test, chaos, bench), as `pnpm kafka` is its broker. `crash` SIGKILLs the
// postmaster and starts it again (crash recovery); the reliability suite uses restart and crash.
import { environments } from "./lib/environments.mjs";
import { postgresCluster } from "./lib/postgres.mjs";

const [name = "start", verb = "status"] = process.argv.slice(2);
const environment = environments[name];
if (!environment) {
  console.error(`usage: pnpm postgres <${Object.keys(environments).join("|")}> <start|stop|status|restart|crash|reset|url>`);
  process.exit(2);
}
const cluster = postgresCluster({ name, port: environment.postgresPort });
const verbs = {
  start: () => cluster.start() || console.log(`postgres: cluster ${name} already runs (pid ${cluster.pid()})`),
  stop: () => cluster.stop() || console.log(`postgres: cluster ${name} is not running`),
  restart: () => cluster.restart(),
  crash: () => cluster.crash(),
  reset: () => cluster.reset(),
  url: () => console.log(cluster.adminUrl),
  status: () => {
    const pid = cluster.pid();
    console.log(pid ? `postgres: cluster ${name} runs on 127.0.0.1:${cluster.port} (pid ${pid}), data in ${cluster.dataDir}` : `postgres: cluster ${name} is not running`);
    process.exitCode = pid ? 0 : 1;
  },
};
if (!verbs[verb]) {
  console.error(`unknown verb "${verb}"`);
  process.exit(2);
}
try {
  verbs[verb]();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
