// Four kinds of test, each runnable alone: `pnpm jest --selectProjects unit|int|e2e|chaos`.
// unit: pure, no I/O. int: real Postgres + real Kafka. e2e: the four services as processes.
// chaos: the services killed, the broker and the database restarted (`pnpm test:chaos` only).
// demo: the blocking demonstration of the two-phase commit (`pnpm demo:2pc-blocking`).
const swc = ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }];
const shared = {
  transform: { "^.+\\.[tj]s$": swc },
  // fastify's inject pulls in `cookie`, and @fastify/static (under /docs) `content-disposition`, both
  // published as ESM only; jest's CommonJS loader needs them compiled.
  transformIgnorePatterns: ["/node_modules/(?!(\\.pnpm/(cookie|content-disposition)@|(cookie|content-disposition)/))"],
  moduleNameMapper: { "^@saga-shop/(contracts|messaging|service-kit|schema-tools)$": "<rootDir>/packages/$1/src" },
  testEnvironment: "node",
  // Jest's 5 s default also bounds hooks: on a loaded 2-core machine dropping a test's databases
  // took longer (CI load 12). A test or hook that hangs still fails, after 30 s.
  testTimeout: 30_000,
  // .local/ holds other checkouts (`pnpm bench --against` builds there): not ours to test or resolve.
  modulePathIgnorePatterns: ["<rootDir>/.local/"],
};
const project = (displayName, pattern) => ({ ...shared, displayName, testMatch: [`<rootDir>/**/${pattern}`], testPathIgnorePatterns: ["/node_modules/", "/dist/", "<rootDir>/.local/"] });
module.exports = {
  projects: [
    project("unit", "*.unit.spec.ts"),
    project("int", "*.int.spec.ts"),
    project("e2e", "*.e2e.spec.ts"),
    project("chaos", "*.chaos.spec.ts"),
    // The demos (`pnpm demo:2pc-blocking`): real processes, a story told as it happens, checked as it goes.
    project("demo", "*.demo.spec.ts"),
  ],
};
