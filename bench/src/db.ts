import { Client, type QueryResultRow } from "pg";
import { sleep } from "./stats";

// A single connection that survives a Postgres restart: Postgres is shared with whatever else
// runs on this machine, and a benchmark that dies with it measures nothing.

const CONNECTION_LOST = /terminat|ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|not queryable|shutting down|starting up|57P0|08006|08001|08003/i;

export class ResilientClient {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** How many times the connection had to be made again. */
  reconnects = 0;

  constructor(
    private readonly connectionString: string,
    private readonly applicationName = "bench-harness",
  ) {}

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.connectionString, application_name: this.applicationName });
      client.on("error", () => {
        if (this.client === client) this.client = undefined;
      });
      client.on("end", () => {
        if (this.client === client) this.client = undefined;
      });
      try {
        await client.connect();
        this.client = client;
        return client;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  async query<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<{ rows: R[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const client = await this.connect();
        return await client.query<R>(text, values);
      } catch (error) {
        const message = `${(error as { code?: string }).code ?? ""} ${error instanceof Error ? error.message : String(error)}`;
        if (!CONNECTION_LOST.test(message) || attempt >= 120) throw error;
        const lost = this.client;
        this.client = undefined;
        await lost?.end().catch(() => undefined);
        this.reconnects++;
        await sleep(500);
      }
    }
  }

  async end(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
