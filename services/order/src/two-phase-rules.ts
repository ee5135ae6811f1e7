import { participants, reasons, type Participant, type Vote } from "@saga-shop/contracts";

// The two-phase commit's rule, pure: commit only if every participant voted yes; otherwise
// abort, for the reason of the first one (in the saga's order) that did not, worded as the
// sagas word it, so the same trigger gives the same reason in all three models.

export type Decision = { decision: "COMMIT" } | { decision: "ABORT"; reason: string };

export type Ballot = { participant: Participant } & (Vote | { vote: "no answer"; reason: string });

const wording: Record<Participant, (reason: string) => string> = {
  user: (reason) => reason,
  payment: reasons.paymentFailed,
  delivery: reasons.deliveryFailed,
};

export function decide(ballots: readonly Ballot[]): Decision {
  for (const participant of participants) {
    const ballot = ballots.find((b) => b.participant === participant);
    if (!ballot) return { decision: "ABORT", reason: `no vote from the ${participant} service` };
    if (ballot.vote === "no") return { decision: "ABORT", reason: wording[participant](ballot.reason) };
    if (ballot.vote === "no answer") return { decision: "ABORT", reason: `the ${participant} service did not answer the prepare: ${ballot.reason}` };
  }
  return { decision: "COMMIT" };
}

/** A coordinator that stopped before it decided cannot know the votes: presumed abort. */
export const PRESUMED_ABORT = "the coordinator stopped before it decided (presumed abort)";
