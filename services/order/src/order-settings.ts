import { participants, services, type Participant } from "@saga-shop/contracts";
import type { Env } from "@saga-shop/service-kit";

export interface OrderSettings {
  twoPhaseCommit: {
    /** Where each participant's API answers (internal port: the service's port + 100 by default). */
    participantUrls: Record<Participant, string>;
    /**
     * For the blocking demo and the tests only: how long the coordinator waits with every
     * participant prepared before it decides, and after it decided before phase two (0: no wait).
     */
    pauseBeforeDecisionMs: number;
    pauseAfterDecisionMs: number;
    /**
     * This coordinator's name in the log (COORDINATOR_ID; by default one of its own per process):
     * restarted under the same name it resumes its unfinished transactions at once; any other
     * coordinator waits until their lease (`leaseMs`, TWO_PHASE_COMMIT_LEASE_MS) has run out.
     */
    coordinatorId: string | null;
    leaseMs: number;
  };
}

const milliseconds = (env: Env, name: string) => {
  const raw = env[name];
  if (!raw) return 0;
  if (!/^\d{1,7}$/.test(raw)) throw new Error(`${name} must be a number of milliseconds, got "${raw}"`);
  return Number(raw);
};

/** PARTICIPANT_URLS=user=http://…,payment=http://…,delivery=http://… (each optional). */
export function readOrderSettings(env: Env): OrderSettings {
  const given = new Map<string, string>();
  for (const entry of (env.PARTICIPANT_URLS ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const [name, url] = entry.split(/=(.*)/s) as [string, string | undefined];
    if (!participants.includes(name as Participant) || !url || !/^https?:\/\/[^\s/]+$/.test(url)) {
      throw new Error(`PARTICIPANT_URLS must be participant=http://host:port entries (participants: ${participants.join(", ")}), not "${entry}"`);
    }
    given.set(name, url);
  }
  const participantUrls = Object.fromEntries(
    participants.map((p) => [p, given.get(p) ?? `http://127.0.0.1:${services[p].port + 100}`]),
  ) as Record<Participant, string>;
  return {
    twoPhaseCommit: {
      participantUrls,
      pauseBeforeDecisionMs: milliseconds(env, "TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS"),
      pauseAfterDecisionMs: milliseconds(env, "TWO_PHASE_COMMIT_PAUSE_AFTER_DECISION_MS"),
      coordinatorId: env.COORDINATOR_ID || null,
      leaseMs: milliseconds(env, "TWO_PHASE_COMMIT_LEASE_MS") || 10_000,
    },
  };
}
