import pino, { type Logger } from "pino";
import type { ServiceConfig } from "./config";

/** JSON lines for machines; `LOG_PRETTY=1` (set by `pnpm start`) for people. */
/** `service` names the process in every line: a service of the saga map, or another component (the viewer). */
export function createLogger(config: Pick<ServiceConfig, "logLevel" | "logPretty"> & { service: string }): Logger {
  return pino({
    name: config.service,
    level: config.logLevel,
    ...(config.logPretty && {
      transport: { target: "pino-pretty", options: { ignore: "pid,hostname", translateTime: "HH:MM:ss.l", singleLine: true } },
    }),
  });
}
