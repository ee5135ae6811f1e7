import { readOrderSettings } from "./order-settings";

describe("readOrderSettings", () => {
  test("given nothing, then each participant's API is the service's port + 100 on this machine, and no pauses", () => {
    expect(readOrderSettings({})).toEqual({
      twoPhaseCommit: {
        participantUrls: { user: "http://127.0.0.1:3102", payment: "http://127.0.0.1:3103", delivery: "http://127.0.0.1:3104" },
        pauseBeforeDecisionMs: 0,
        pauseAfterDecisionMs: 0,
        coordinatorId: null,
        leaseMs: 10_000,
      },
    });
  });

  test("given PARTICIPANT_URLS for some, then those are used and the others keep their default", () => {
    const { participantUrls } = readOrderSettings({ PARTICIPANT_URLS: "payment=http://payment:3103, user=http://10.0.0.2:9102" }).twoPhaseCommit;
    expect(participantUrls).toEqual({ user: "http://10.0.0.2:9102", payment: "http://payment:3103", delivery: "http://127.0.0.1:3104" });
  });

  test.each(["order=http://x:1", "user=", "user=ftp://x", "user=http://x:1/path", "just-a-url"])("given PARTICIPANT_URLS %s, then it refuses to start", (value) => {
    expect(() => readOrderSettings({ PARTICIPANT_URLS: value })).toThrow(/PARTICIPANT_URLS must be/);
  });

  test("given a pause that is not a number of milliseconds, then it refuses to start", () => {
    expect(() => readOrderSettings({ TWO_PHASE_COMMIT_PAUSE_BEFORE_DECISION_MS: "soon" })).toThrow(/milliseconds/);
  });
});
