import type { Env } from "@saga-shop/service-kit";

/** The viewer's port unless PORT says otherwise: the services' base (3000 in `pnpm start` and compose). */
export const VIEWER_PORT = 3000;

export interface ViewerConfig {
  host: string;
  port: number;
  kafkaBrokers: string[];
  /** The order service, where the demo buttons place their orders. */
  orderUrl: string;
  logLevel: string;
  logPretty: boolean;
}

/** Reads the viewer's settings once, at start; a bad one fails the start, naming the variable. */
export function loadViewerConfig(env: Env = process.env): ViewerConfig {
  const rawPort = env.PORT ?? "";
  const port = rawPort === "" ? VIEWER_PORT : /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got "${rawPort}"`);
  const kafkaBrokers = (env.KAFKA_BROKERS || "127.0.0.1:9092").split(",").map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.length === 0) throw new Error(`KAFKA_BROKERS names no broker: "${env.KAFKA_BROKERS}"`);
  const orderUrl = env.ORDER_URL || "http://127.0.0.1:3001";
  try {
    new URL(orderUrl);
  } catch {
    throw new Error(`ORDER_URL must be a URL, got "${orderUrl}"`);
  }
  return {
    host: env.HOST || "127.0.0.1",
    port,
    kafkaBrokers,
    orderUrl: orderUrl.replace(/\/+$/, ""),
    logLevel: env.LOG_LEVEL || "info",
    logPretty: env.LOG_PRETTY === "1" || env.LOG_PRETTY === "true",
  };
}
