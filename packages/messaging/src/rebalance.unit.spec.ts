// A rebalance in words: what one member of a group now consumes, or why it consumes nothing.
import { describeAssignment } from "./rebalance";

const payment = { groupId: "payment-service", partitions: { "user.events": 6, "delivery.events": 6, "payment.commands": 6 } };

describe("describeAssignment", () => {
  test("given some partitions of each topic, then it names each one, topics in order, with the group's size", () => {
    const words = describeAssignment({
      ...payment,
      member: "payment-2",
      members: 3,
      owned: { "user.events": [4, 3], "payment.commands": [3, 4], "delivery.events": [] },
    });
    expect(words).toBe("payment-2 now owns payment.commands/3, /4; user.events/3, /4 (group payment-service, 3 members)");
  });

  test("given every partition of a topic, then it says all of them rather than listing six", () => {
    const all = [0, 1, 2, 3, 4, 5];
    const words = describeAssignment({ ...payment, member: "payment", members: 1, owned: { "user.events": all, "delivery.events": all, "payment.commands": all } });
    expect(words).toBe(
      "payment now owns all 6 partitions of delivery.events; all 6 partitions of payment.commands; all 6 partitions of user.events (group payment-service, 1 member)",
    );
  });

  test("given no partition and more members than partitions, then it is idle and says why", () => {
    const words = describeAssignment({ member: "payment-3", groupId: "payment-service", members: 3, owned: {}, partitions: { "user.events": 2 } });
    expect(words).toBe(
      "payment-3 is idle: group payment-service has 3 members for 2 partitions of user.events; a partition is consumed by one member of a group at a time, so 1 member waits until one leaves",
    );
  });

  test("given no partition of several topics, then the partitions of each are counted", () => {
    const words = describeAssignment({ ...payment, member: "payment-20", members: 20, owned: { "user.events": [] } });
    expect(words).toBe(
      "payment-20 is idle: group payment-service has 20 members for 18 partitions (6 of delivery.events, 6 of payment.commands, 6 of user.events); a partition is consumed by one member of a group at a time, so 2 members wait until one leaves",
    );
  });

  test("given no partition although the partitions outnumber the members, then it does not blame the group's size", () => {
    const words = describeAssignment({ ...payment, member: "payment-2", members: 2, owned: {} });
    expect(words).toBe(
      "payment-2 is idle: group payment-service has 2 members for 18 partitions (6 of delivery.events, 6 of payment.commands, 6 of user.events), and none was assigned to it this time",
    );
  });

  test("given a group whose size the broker did not give, then it leaves the count out rather than guess", () => {
    expect(describeAssignment({ ...payment, member: "payment-2", members: undefined, owned: { "user.events": [1] } })).toBe(
      "payment-2 now owns user.events/1 (group payment-service)",
    );
  });
});
