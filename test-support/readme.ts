// The README's tables, read as data, for tests that keep the README and the code from drifting.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The text under a `## heading` of README.md, up to the next `## `. */
export function readmeSection(heading: string): string {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

export type Table = { header: string[]; rows: string[][] };

/** Every Markdown table in `text`, in order: its header cells and its rows' cells, trimmed. */
export function markdownTables(text: string): Table[] {
  const tables: Table[] = [];
  let lines: string[] = [];
  for (const line of [...text.split("\n"), ""]) {
    if (line.trimStart().startsWith("|")) {
      lines.push(line.trim());
      continue;
    }
    if (lines.length >= 2) {
      const [header, , ...rows] = lines.map(cells);
      tables.push({ header: header ?? [], rows });
    }
    lines = [];
  }
  return tables;
}

/** The cells of `| a | b |`; `\|` is a pipe inside a cell. */
const cells = (line: string): string[] =>
  line
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.replace(/\\\|/g, "|").trim());

/** The table of `text` whose header is exactly `header`. */
export function tableWithHeader(text: string, header: string[]): Table {
  const table = markdownTables(text).find((t) => t.header.join("|") === header.join("|"));
  if (!table) throw new Error(`no table with the header | ${header.join(" | ")} |`);
  return table;
}
