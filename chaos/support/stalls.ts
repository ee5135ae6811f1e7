// How long sagas stalled because of a fault, from when the run's orders completed (pure).

/** A fault's stall: the longest time without an order completing, from the fault's start to a while after its end. */
export interface Stall {
  fault: string;
  atSeconds: number;
  seconds: number;
  /** The longest gap between two order completions (or from the fault's start to the first one). */
  longestGapSeconds: number;
  completedDuring: number;
}

/**
 * For each fault [start, end], the longest gap between consecutive completions (completed_at of
 * the run's orders) from its start until `afterMs` past its end, the fault's start counting as a
 * completion: how long sagas stalled because of it.
 */
export function stalls(faults: { fault: string; start: number; end: number }[], completions: number[], t0: number, afterMs = 10_000): Stall[] {
  const sorted = [...completions].sort((a, b) => a - b);
  return faults.map(({ fault, start, end }) => {
    const window = sorted.filter((t) => t >= start && t <= end + afterMs);
    let previous = start;
    let longest = 0;
    for (const t of window) {
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    // No completion at all until the window closed: the whole window was a stall.
    if (window.length === 0) longest = end + afterMs - start;
    return {
      fault,
      atSeconds: Number(((start - t0) / 1000).toFixed(1)),
      seconds: Number(((end - start) / 1000).toFixed(1)),
      longestGapSeconds: Number((longest / 1000).toFixed(1)),
      completedDuring: window.length,
    };
  });
}

