import type { PrismaPg } from "@prisma/adapter-pg";
import type { Participant, ServiceName } from "@saga-shop/contracts";
import type { BeforeCommit, Emit, HandlersOf, SqlTransaction, TransactionRunner } from "@saga-shop/messaging";
import type { ServiceConfig, SettingsReader } from "./config";
import type { HttpApp } from "./http";
import type { ParticipantDefinition } from "./plugins/participant-api";

/** What a generated Prisma client offers that the kit relies on. */
export interface ServiceDatabase<Tx extends SqlTransaction> extends TransactionRunner<Tx> {
  $queryRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

/**
 * The application a service's routes see: the kit's HTTP app, decorated by its plugins with the
 * service's database client (`db`), its configuration and a way to run a transaction that
 * emits events (`inTransaction`).
 */
export type ServiceApp<Db, Tx, Settings = unknown> = HttpApp & {
  db: Db;
  config: ServiceConfig<Settings>;
  /** A transaction whose events go out through the outbox, as an event handler's do. */
  inTransaction<R>(work: (tx: Tx, emit: Emit) => Promise<R>): Promise<R>;
};

/** A service is its domain: a database, the events it reacts to, and its HTTP routes. */
export interface ServiceDefinition<S extends ServiceName, Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction, Settings = Record<string, never>> {
  name: S;
  /** One sentence on what the service does: its OpenAPI document's description. */
  description: string;
  /** The service's folder; its migrations are in `prisma/migrations`. */
  directory: string;
  createDatabase(adapter: PrismaPg): Db;
  /** Its own settings, read and checked with the rest of the configuration. */
  settings?: SettingsReader<Settings>;
  /** A handler for each event type the saga map says this service consumes; its topics follow. */
  handlers(config: ServiceConfig<Settings>): HandlersOf<S, Tx>;
  /** Called once in each transaction that handles or emits events, with those events. */
  beforeCommit?: BeforeCommit<Tx>;
  /** Its HTTP routes, registered as a plugin of the service's app. */
  routes(app: ServiceApp<Db, Tx, Settings>): void | Promise<void>;
  /** Its part in the two-phase commit, for a participant (user, payment, delivery). */
  participant?(config: ServiceConfig<Settings>): ParticipantDefinition<Participant, Tx>;
}
