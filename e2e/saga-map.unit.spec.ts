// The README's "each service on one page" table, and the harness's lists, against the saga map
// (contracts' eventCatalogue and services.json): a step added or moved on one side only fails here.
import { eventsConsumedBy, eventsProducedBy, kindOf, serviceNames, services, topicsFollowedBy, type EventType } from "@saga-shop/contracts";
import { groups } from "../chaos/support/groups";
import { readmeSection, tableWithHeader } from "../test-support/readme";
import { portOf } from "./support/system";

const code = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

test("the README's table of services lists each service's messages and what it owns, as the map has them", () => {
  const table = tableWithHeader(readmeSection("How the code is laid out"), ["service", "HTTP", "follows (events)", "handles (commands, replies)", "publishes", "owns"]);
  const rows = table.rows.map(([service = "", , follows, handles, publishes, owns]) => ({ service, follows, handles, publishes, owns }));
  const ofKind = (types: EventType[], event: boolean) => types.filter((t) => (kindOf(t) === "event") === event);
  expect(rows).toEqual(
    serviceNames.map((service) => ({
      service,
      follows: code(ofKind(eventsConsumedBy(service), true)),
      handles: code(ofKind(eventsConsumedBy(service), false)),
      publishes: code(eventsProducedBy(service)),
      owns: services[service].owns,
    })),
  );
});

test("the reliability suite's consumer groups are the map's: topics and event types per service", () => {
  for (const service of serviceNames) {
    expect(groups[service]).toEqual({ groupId: `${service}-service`, topics: topicsFollowedBy(service), handles: eventsConsumedBy(service) });
  }
  expect(groups.order.topics.sort()).toEqual(["delivery.events", "order.replies", "payment.events", "user.events"]);
  expect(groups.delivery.topics).toEqual(["payment.events", "delivery.commands"]);
});

test("the harness's ports follow the map's, shifted by the suite's base", () => {
  // TEST_PORT_BASE: scripts/test.mjs's base (4000), moved by SAGA_PORT_SHIFT.
  const base = Number(process.env.TEST_PORT_BASE ?? 4000);
  expect(serviceNames.map((s) => portOf(s))).toEqual(serviceNames.map((s) => base + (services[s].port - 3000)));
});
