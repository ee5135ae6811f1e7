import { stalls } from "./stalls";

describe("stalls: the longest time without an order completing, per fault", () => {
  const t0 = 1_000_000;
  const at = (s: number) => t0 + s * 1000;

  test("from the fault's start to the first completion, then between completions, until a while after its end", () => {
    const completions = [1, 2, 12, 13, 14, 15, 30].map(at);
    expect(stalls([{ fault: "kill", start: at(2.5), end: at(8) }], completions, t0, 10_000)).toEqual([
      // 2.5 -> 12 is the longest gap; 30 is after 8 + 10 and does not count
      { fault: "kill", atSeconds: 2.5, seconds: 5.5, longestGapSeconds: 9.5, completedDuring: 4 },
    ]);
  });

  test("no completion at all in the window: the whole window stalled", () => {
    expect(stalls([{ fault: "down", start: at(0), end: at(5) }], [at(40)], t0, 10_000)[0]).toMatchObject({ longestGapSeconds: 15, completedDuring: 0 });
  });
});
