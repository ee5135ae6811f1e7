import { deliveryFailure, fakeTopics } from "../test/records";
import { applyRecord, createState, sagaView, type KafkaRecord } from "./state";
import { printer, timelineLines } from "./terminal";
import { deadLetterTopics } from "./topics";

const ORDER = "7b50a18f-0000-4000-8000-000000000001";

const fold = (records: KafkaRecord[]) => {
  const state = createState(deadLetterTopics);
  for (const record of records) applyRecord(state, record);
  return state;
};

test("given a delivery failure, then one plain line per step (lane, type, where, time since start), compensations in words, then the outcome", () => {
  const topics = fakeTopics();
  const lines = timelineLines(sagaView(fold(deliveryFailure(ORDER).map((e) => topics.publish(e))), ORDER)!);
  expect(lines).toHaveLength(8);
  expect(lines[0]).toBe("7b50a18f  +0 ms     order     OrderCreated       order.events/0@0     order 7b50a18f placed by user 00000000-0000-4000-8000-000000000001 for 25.00");
  expect(lines[4]).toBe(
    "7b50a18f  +200 ms   payment   PaymentRefunded    payment.events/0@1   COMPENSATION (undoes PaymentCompleted)  payment of 25.00 refunded for order 7b50a18f because delivery failed: address not serviceable: we do not deliver to AQ",
  );
  expect(lines[7]).toBe("7b50a18f  CANCELLED after 280 ms (choreography): delivery failed: address not serviceable: we do not deliver to AQ");
  // Readable without colour: no escape sequences at all.
  expect(lines.join("\n").includes(String.fromCharCode(27))).toBe(false);
});

test("given a dead letter and its redrive, then a line for each, and each fact is printed once however often the saga is sent", () => {
  const topics = fakeTopics();
  const [created, reserved] = deliveryFailure(ORDER).slice(0, 2).map((e) => topics.publish(e));
  const deadLetter = topics.deadLetter("payment", reserved!, "permission denied for table payments", 5);
  const state = fold([created!, reserved!, deadLetter]);
  const printed: string[] = [];
  const print = printer((line) => printed.push(line));
  print.saga(sagaView(state, ORDER)!);
  print.saga(sagaView(state, ORDER)!);
  applyRecord(state, topics.redriveCopy(deadLetter));
  print.saga(sagaView(state, ORDER)!);
  expect(printed.slice(2)).toEqual([
    "7b50a18f  DEAD LETTER  payment could not process CreditReserved from user.events/0@0 after 5 attempts: permission denied for table payments  [payment.dead-letter/0@0]",
    "7b50a18f  REDRIVEN     payment.dead-letter/0@0 back to user.events/0@1",
  ]);
  expect(printed).toHaveLength(4);
});
