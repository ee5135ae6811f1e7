import { join } from "node:path";
import { buildDirOf, refName, parseBenchArgs, parsePairs, planBuilds, planSides, runOrder, sameSides, unfitForHarness, type BuildState } from "./against";

describe("pnpm bench's options", () => {
  it("reads --against and --against-node, with a space or an equals sign, and keeps --quick for main.js", () => {
    expect(parseBenchArgs(["--against", "HEAD~1"])).toEqual({ against: "HEAD~1", rest: [] });
    expect(parseBenchArgs(["--against=v1.0", "--quick"])).toEqual({ against: "v1.0", rest: ["--quick"] });
    expect(parseBenchArgs(["--quick", "--against-node", "/usr/bin/node"])).toEqual({ againstNode: "/usr/bin/node", rest: ["--quick"] });
    expect(parseBenchArgs(["--against-node=/opt/node20/bin/node", "--against", "main"])).toEqual({ against: "main", againstNode: "/opt/node20/bin/node", rest: [] });
    expect(parseBenchArgs([])).toEqual({ rest: [] });
  });

  it("refuses an option without its value, an empty one, or one given twice", () => {
    expect(() => parseBenchArgs(["--against"])).toThrow("--against needs a value");
    expect(() => parseBenchArgs(["--against", "--quick"])).toThrow("--against needs a value");
    expect(() => parseBenchArgs(["--against-node="])).toThrow("--against-node needs a value");
    expect(() => parseBenchArgs(["--against", "a", "--against=b"])).toThrow('--against given twice ("a" and "b")');
  });

  it("refuses an option it does not know, so that a typo does not run the plain benchmark", () => {
    expect(() => parseBenchArgs(["--againts", "HEAD~1"])).toThrow('unknown option "--againts"');
    expect(() => parseBenchArgs(["HEAD~1"])).toThrow('unknown option "HEAD~1"');
  });

  it("reads BENCH_PAIRS: 2 by default, a positive integer otherwise", () => {
    expect(parsePairs(undefined)).toBe(2);
    expect(parsePairs("")).toBe(2);
    expect(parsePairs("1")).toBe(1);
    expect(parsePairs("5")).toBe(5);
    for (const bad of ["0", "-1", "1.5", "two", "51"]) expect(() => parsePairs(bad)).toThrow("BENCH_PAIRS must be an integer from 1 to 50");
  });
});

describe("the two sides", () => {
  const head = "b".repeat(40);
  const older = "a".repeat(40);
  const node24 = "/usr/local/bin/node";

  it("--against: A is that commit and B the HEAD commit, both run by this Node", () => {
    const { a, b } = planSides({ args: { against: "HEAD~1", rest: [] }, head, againstCommit: older, currentNode: node24 });
    expect(a).toEqual({ name: "A", ref: "HEAD~1", commit: older, node: node24 });
    expect(b).toEqual({ name: "B", ref: "HEAD", commit: head, node: node24 });
    expect(sameSides(a, b)).toBe(false);
  });

  it("--against-node: the HEAD commit on both sides, A's services run by the other binary", () => {
    const { a, b } = planSides({ args: { againstNode: "/usr/bin/node", rest: [] }, head, currentNode: node24 });
    expect(a).toEqual({ name: "A", ref: "HEAD", commit: head, node: "/usr/bin/node" });
    expect(b).toEqual({ name: "B", ref: "HEAD", commit: head, node: node24 });
    expect(sameSides(a, b)).toBe(false);
  });

  it("both options: A is the other commit run by the other binary", () => {
    const { a } = planSides({ args: { against: "v1", againstNode: "/usr/bin/node", rest: [] }, head, againstCommit: older, currentNode: node24 });
    expect(a).toEqual({ name: "A", ref: "v1", commit: older, node: "/usr/bin/node" });
  });

  it("--against HEAD: both sides are the same build (a measurement of the noise)", () => {
    const { a, b } = planSides({ args: { against: "HEAD", rest: [] }, head, againstCommit: head, currentNode: node24 });
    expect(sameSides(a, b)).toBe(true);
  });

  it("names a side by its ref and commit, once when the ref is the commit's hash", () => {
    expect(refName("HEAD~1", older)).toBe("HEAD~1 = aaaaaaa");
    expect(refName("aaaaaaa", older)).toBe("aaaaaaa");
    expect(refName("AAAAAAAAAA", older)).toBe("aaaaaaaaaa");
    expect(refName("main", older)).toBe("main = aaaaaaa");
    // A branch named like the start of the hash is still a ref.
    expect(refName("a", older)).toBe("a = aaaaaaa");
  });

  it("refuses to plan without an option, or without the commit of --against", () => {
    expect(() => planSides({ args: { rest: [] }, head, currentNode: node24 })).toThrow("nothing to compare");
    expect(() => planSides({ args: { against: "nope", rest: [] }, head, currentNode: node24 })).toThrow("--against nope: its commit is not known");
  });
});

describe("what to build", () => {
  const root = "/repo";
  const side = (name: "A" | "B", commit: string) => ({ name, ref: name, commit, node: "node" });
  const states = (map: Record<string, BuildState>) => (dir: string) => map[dir] ?? "absent";

  it("builds each commit once, in .local/bench-builds/<commit>", () => {
    expect(buildDirOf(root, "abc")).toBe(join(root, ".local", "bench-builds", "abc"));
    expect(planBuilds([side("A", "abc"), side("B", "def")], root, states({}))).toEqual([
      { commit: "abc", dir: join(root, ".local/bench-builds/abc"), action: "build" },
      { commit: "def", dir: join(root, ".local/bench-builds/def"), action: "build" },
    ]);
    expect(planBuilds([side("A", "abc"), side("B", "abc")], root, states({}))).toEqual([{ commit: "abc", dir: join(root, ".local/bench-builds/abc"), action: "build" }]);
  });

  it("reuses a finished build of the same commit and redoes an interrupted one", () => {
    const plan = planBuilds([side("A", "abc"), side("B", "def")], root, states({ [join(root, ".local/bench-builds/abc")]: "complete", [join(root, ".local/bench-builds/def")]: "partial" }));
    expect(plan.map((s) => [s.commit, s.action])).toEqual([
      ["abc", "reuse"],
      ["def", "rebuild"],
    ]);
  });

  it("runs the sides alternately, A first", () => {
    expect(runOrder(1)).toEqual(["A", "B"]);
    expect(runOrder(3)).toEqual(["A", "B", "A", "B", "A", "B"]);
  });
});

describe("whether the harness can measure a build", () => {
  const services = ["order", "user"];
  const built = new Set(["services/order/dist/main.js", "services/order/prisma/migrations", "services/user/dist/main.js", "services/user/prisma/migrations", "packages/messaging/dist/create-topics.js"]);

  it("can when every service's entry point and migrations and the topic script are there", () => {
    expect(unfitForHarness(services, services, (p) => built.has(p))).toBeUndefined();
  });

  it("cannot when something is missing, and says what", () => {
    const without = (missing: string) => (p: string) => built.has(p) && p !== missing;
    expect(unfitForHarness(services, services, without("services/user/dist/main.js"))).toBe("its build has no services/user/dist/main.js");
    expect(unfitForHarness(services, services, without("packages/messaging/dist/create-topics.js"))).toBe("its build has no packages/messaging/dist/create-topics.js");
    expect(unfitForHarness(services, services, () => false)).toMatch(/^its build has no services\/order\/dist\/main\.js, services\/order\/prisma\/migrations, /);
  });

  it("cannot when the build has a service the harness would not start", () => {
    expect(unfitForHarness(services, [...services, "stock"], (p) => built.has(p))).toBe("it has services the harness does not start (stock; the harness knows order, user)");
  });
});
