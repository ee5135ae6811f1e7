/**
 * Group commit: work handed in while a commit is running waits and then goes into the next one
 * together, so many callers share one transaction instead of taking one each.
 *
 * The consumer hands in each partition's batch separately (kafkajs calls eachBatch once per
 * partition, several at a time). Through this, the batches of all partitions that arrive
 * together are handled in one database transaction: under load one commit covers the events of
 * many partitions, and at light load a lone batch waits for nothing but the commit before it.
 * Commits never overlap, so one instance's transactions never wait on each other's row locks.
 *
 * `commit` gets the items of several callers in order and returns one result per item. When it
 * fails, every caller in that group gets the error (and the consumer retries its own items alone).
 */
export function groupCommit<Item, Result>(
  commit: (items: Item[]) => Promise<Result[]>,
  /** A group stops taking callers once it holds this many items (one caller's items stay together). */
  maxItems: number,
): (items: Item[]) => Promise<Result[]> {
  interface Caller {
    items: Item[];
    resolve: (results: Result[]) => void;
    reject: (error: unknown) => void;
  }
  const waiting: Caller[] = [];
  let running = false;

  async function commitGroups(): Promise<void> {
    while (waiting.length > 0) {
      const group: Caller[] = [];
      let size = 0;
      while (waiting.length > 0 && (group.length === 0 || size + waiting[0]!.items.length <= maxItems)) {
        const caller = waiting.shift()!;
        group.push(caller);
        size += caller.items.length;
      }
      try {
        const results = await commit(group.flatMap((caller) => caller.items));
        let start = 0;
        for (const caller of group) {
          caller.resolve(results.slice(start, start + caller.items.length));
          start += caller.items.length;
        }
      } catch (error) {
        for (const caller of group) caller.reject(error);
      }
    }
    running = false;
  }

  return (items) =>
    new Promise<Result[]>((resolve, reject) => {
      waiting.push({ items, resolve, reject });
      // setImmediate: the callers kafkajs starts in the same turn (one fetch) join the first group.
      if (!running) {
        running = true;
        setImmediate(() => void commitGroups());
      }
    });
}
