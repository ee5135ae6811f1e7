import { readFileSync, writeFileSync } from "node:fs";
import { chartOf, formatReport, markdownTable, type BenchResults } from "./report";
import { settings } from "./config";

// `node bench/dist/render.js results/bench-<…>.json [chart.svg]`: the table, the README table and
// the chart again from a saved run, without running anything (e.g. after changing the chart).

const [file = "results/bench-latest.json", svg] = process.argv.slice(2);
const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
results.meta.targets ??= settings.targets;
process.stdout.write(formatReport(results));
process.stdout.write(`\n${markdownTable(results)}\n`);
if (svg) {
  writeFileSync(svg, chartOf(results));
  process.stdout.write(`\nchart: ${svg}\n`);
}
