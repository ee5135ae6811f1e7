import { groupCommit } from "./group-commit";

/** A commit that records the groups it was given and answers each item with its double. */
function recordingCommit() {
  const groups: number[][] = [];
  let release: (() => void) | undefined;
  let holdNext = false;
  const commit = async (items: number[]) => {
    groups.push(items);
    if (holdNext) {
      holdNext = false;
      await new Promise<void>((resolve) => (release = resolve));
    }
    return items.map((n) => n * 2);
  };
  return { commit, groups, hold: () => (holdNext = true), release: () => release?.() };
}

test("callers in the same turn share one commit, and each gets the results of its own items", async () => {
  const { commit, groups } = recordingCommit();
  const handIn = groupCommit(commit, 100);
  const results = await Promise.all([handIn([1, 2]), handIn([3]), handIn([4, 5, 6])]);
  expect(groups).toEqual([[1, 2, 3, 4, 5, 6]]);
  expect(results).toEqual([[2, 4], [6], [8, 10, 12]]);
});

test("callers that arrive while a commit runs wait for it and then go together into the next", async () => {
  const { commit, groups, hold, release } = recordingCommit();
  const handIn = groupCommit(commit, 100);
  hold();
  const first = handIn([1]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(groups).toEqual([[1]]);
  const later = [handIn([2]), handIn([3, 4])];
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(groups).toEqual([[1]]); // nothing overlaps the running commit
  release();
  expect(await first).toEqual([2]);
  expect(await Promise.all(later)).toEqual([[4], [6, 8]]);
  expect(groups).toEqual([[1], [2, 3, 4]]);
});

test("a group stops at maxItems, but never splits one caller's items", async () => {
  const { commit, groups } = recordingCommit();
  const handIn = groupCommit(commit, 3);
  const results = await Promise.all([handIn([1, 2]), handIn([3, 4]), handIn([5]), handIn([6, 7, 8, 9])]);
  expect(groups).toEqual([[1, 2], [3, 4, 5], [6, 7, 8, 9]]);
  expect(results).toEqual([[2, 4], [6, 8], [10], [12, 14, 16, 18]]);
});

test("a failed commit fails every caller in its group and no one else", async () => {
  const groups: number[][] = [];
  const handIn = groupCommit(async (items: number[]) => {
    groups.push(items);
    if (items.includes(13)) throw new Error("unlucky batch");
    return items;
  }, 2);
  const outcomes = await Promise.allSettled([handIn([12]), handIn([13]), handIn([14])]);
  expect(groups).toEqual([[12, 13], [14]]);
  expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "fulfilled"]);
  expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error("unlucky batch"));
  // and it keeps working afterwards
  expect(await handIn([15])).toEqual([15]);
});
