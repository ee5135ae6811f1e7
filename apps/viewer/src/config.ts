import { commonSettings, type Env } from "@saga-shop/service-kit";

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
  const common = commonSettings(env, VIEWER_PORT);
  const orderUrl = env.ORDER_URL || "http://127.0.0.1:3001";
  try {
    new URL(orderUrl);
  } catch {
    throw new Error(`ORDER_URL must be a URL, got "${orderUrl}"`);
  }
  return { ...common, orderUrl: orderUrl.replace(/\/+$/, "") };
}
