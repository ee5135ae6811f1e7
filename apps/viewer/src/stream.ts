// Server-Sent Events: one long response per page (or `pnpm watch`), written as the state changes.
// A client gets a snapshot when it connects, then `saga` (the whole timeline of a saga that
// changed), `dead-letter` and `groups` events. Changes are sent at most every 100 ms, each saga
// once however many of its events arrived meanwhile; the browser's EventSource reconnects by itself.
import type { GroupReport } from "@saga-shop/messaging";
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import { demoTriggers } from "./demo";
import type { Feed } from "./feed";
import { deadLetterView, deadLetterViews, sagaSummaries, sagaView } from "./state";
import { deadLetterTopics, sagaTopics } from "./topics";
import { serviceNames } from "@saga-shop/contracts";

const FLUSH_MS = 100;
const GROUPS_MS = 2000;
const KEEP_ALIVE_MS = 15_000;

export interface EventStream {
  connect(response: ServerResponse): void;
  close(): void;
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function eventStream(feed: Feed, logger: Logger): EventStream {
  const clients = new Set<ServerResponse>();
  const sagas = new Set<string>();
  const deadLetters = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  let groups: GroupReport[] | null = null;
  let groupsText = "";

  const send = (text: string) => {
    for (const client of clients) client.write(text);
  };
  const flush = () => {
    flushTimer = undefined;
    let text = "";
    for (const orderId of clients.size ? sagas : []) text += frame("saga", sagaView(feed.state, orderId));
    for (const id of clients.size ? deadLetters : []) {
      const deadLetter = feed.state.deadLetters.get(id);
      if (deadLetter) text += frame("dead-letter", deadLetterView(feed.state, deadLetter));
    }
    sagas.clear();
    deadLetters.clear();
    if (text) send(text);
  };
  feed.onChange((change) => {
    for (const orderId of change.sagas) sagas.add(orderId);
    for (const id of change.deadLetters) deadLetters.add(id);
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  });

  // Consumer groups change without any event on our topics (members join, lag drains): polled
  // while someone is watching.
  let polling = false;
  const pollGroups = async () => {
    if (clients.size === 0 || polling) return;
    polling = true;
    try {
      groups = await feed.groups();
      const text = JSON.stringify(groups);
      if (text !== groupsText) {
        groupsText = text;
        send(frame("groups", groups));
      }
    } catch (error) {
      logger.warn({ err: error }, "cannot describe the consumer groups");
    } finally {
      polling = false;
    }
  };
  const groupsTimer = setInterval(() => void pollGroups(), GROUPS_MS);
  const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);

  return {
    connect(response) {
      response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
      response.write("retry: 2000\n\n");
      response.write(
        frame("snapshot", {
          lanes: serviceNames,
          topics: { saga: sagaTopics, deadLetter: [...deadLetterTopics.keys()] },
          sagas: sagaSummaries(feed.state, { limit: 500 }),
          deadLetters: deadLetterViews(feed.state),
          groups,
          demo: demoTriggers.map(({ id, label, toSee }) => ({ id, label, toSee })),
        }),
      );
      clients.add(response);
      response.on("close", () => clients.delete(response));
      void pollGroups();
    },
    close() {
      clearTimeout(flushTimer);
      clearInterval(groupsTimer);
      clearInterval(keepAlive);
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
