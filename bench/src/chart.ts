// The chart, as hand-written SVG: saga latency percentiles against achieved throughput, with the
// measured floor as a horizontal line. Latency is on a log scale: the knee spans decades.

export interface ChartPoint {
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  label?: string;
}

export interface ChartInput {
  title: string;
  caption: string[];
  light: ChartPoint;
  closed: ChartPoint[];
  open: ChartPoint[];
  floorLatencyMs: number;
  floorLabel: string;
  floorThroughput: number;
  targetP99Ms: number;
  targetThroughput: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1).replace(/\.0$/, "") : x.toFixed(2).replace(/\.?0+$/, ""));

function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

export function renderChart(input: ChartInput): string {
  const W = 960;
  const m = { left: 80, right: 200, top: 56, bottom: 66 + input.caption.length * 16 + 8 };
  const pw = W - m.left - m.right;
  const ph = 424;
  const H = m.top + ph + m.bottom;
  const all = [input.light, ...input.closed, ...input.open];
  const maxThroughput = Math.max(...all.map((p) => p.throughput), input.targetThroughput);
  const floorOnChart = input.floorThroughput <= maxThroughput * 1.6;
  const xMax = niceCeil((floorOnChart ? Math.max(maxThroughput, input.floorThroughput) : maxThroughput) * 1.08);
  const lat = all.flatMap((p) => [p.p50, p.p95, p.p99]).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(input.floorLatencyMs, ...lat) * 0.9));
  const top = Math.max(...lat, input.targetP99Ms) * 1.15;
  const decade = 10 ** Math.floor(Math.log10(top));
  const yMax = ([1, 2, 5, 10].find((k) => k * decade >= top) ?? 10) * decade;
  const x = (v: number) => m.left + (v / xMax) * pw;
  const y = (v: number) => m.top + ph - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const out: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = "") => out.push(`<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" ${attrs}>${esc(s)}</text>`);

  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  text(m.left, 28, input.title, `font-size="17" font-weight="bold"`);

  // Grid and axes.
  for (let decade = yMin; decade < yMax * 1.001; decade *= 10) {
    for (const k of [1, 2, 5]) {
      const v = decade * k;
      if (v < yMin || v > yMax * 1.001) continue;
      out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
      text(m.left - 8, y(v) + 4, `${fmt(v)}`, `text-anchor="end" fill="#444"`);
    }
  }
  const xStep = niceCeil(xMax / 8);
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    text(x(v), m.top + ph + 18, fmt(v), `text-anchor="middle" fill="#444"`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  text(m.left + pw / 2, m.top + ph + 40, "completed sagas per second (achieved)", `text-anchor="middle" font-size="13"`);
  text(22, m.top + ph / 2, "saga latency, ms (log scale)", `text-anchor="middle" font-size="13" transform="rotate(-90 22 ${m.top + ph / 2})"`);

  // Reference lines.
  const hline = (v: number, color: string, dash: string, label: string, right = false) => {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
    if (right) text(m.left + pw - 6, y(v) - 5, label, `fill="${color}" text-anchor="end"`);
    else text(m.left + 6, y(v) - 5, label, `fill="${color}"`);
  };
  hline(input.floorLatencyMs, "#2ca02c", "7 4", input.floorLabel);
  hline(input.targetP99Ms, "#999", "2 3", `target: p99 < ${input.targetP99Ms} ms`, true);
  const vline = (v: number, color: string, dash: string, label: string) => {
    if (v > xMax) return;
    out.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
    text(x(v) - 4, m.top + 14, label, `text-anchor="end" fill="${color}"`);
  };
  vline(input.targetThroughput, "#999", "2 3", `target ${input.targetThroughput}/s`);
  if (floorOnChart) vline(input.floorThroughput, "#2ca02c", "7 4", `floor ${fmt(input.floorThroughput)}/s`);
  else text(m.left + pw - 4, m.top + 30, `floor throughput ${fmt(input.floorThroughput)}/s →`, `text-anchor="end" fill="#2ca02c"`);

  // Series.
  const colors = { p50: "#1f77b4", p95: "#ff7f0e", p99: "#d62728" } as const;
  const keys = ["p50", "p95", "p99"] as const;
  for (const key of keys) {
    const pts = input.closed.map((p) => `${x(p.throughput).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${pts}" fill="none" stroke="${colors[key]}" stroke-width="2"/>`);
    for (const p of input.closed) out.push(`<circle cx="${x(p.throughput).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3.5" fill="${colors[key]}"/>`);
    for (const p of input.open) {
      out.push(`<rect x="${(x(p.throughput) - 5).toFixed(1)}" y="${(y(p[key]) - 5).toFixed(1)}" width="10" height="10" fill="white" stroke="${colors[key]}" stroke-width="2"/>`);
    }
    const l = input.light;
    const cx = x(l.throughput);
    const cy = y(l[key]);
    out.push(`<path d="M${cx.toFixed(1)},${(cy - 6).toFixed(1)} l6,6 l-6,6 l-6,-6 z" fill="white" stroke="${colors[key]}" stroke-width="2"/>`);
  }
  for (const p of input.closed) if (p.label) text(x(p.throughput), y(p.p99) - 9, p.label, `text-anchor="middle" font-size="10" fill="#666"`);
  for (const p of input.open) if (p.label) text(x(p.throughput) + 8, y(p.p99) - 8, p.label, `font-size="10" fill="#333"`);
  if (input.light.label) text(x(input.light.throughput) + 9, y(input.light.p50) + 16, input.light.label, `font-size="10" fill="#333"`);

  // Legend.
  const lx = m.left + pw + 18;
  let ly = m.top + 10;
  for (const key of keys) {
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colors[key]}" stroke-width="2"/><circle cx="${lx + 12}" cy="${ly}" r="3.5" fill="${colors[key]}"/>`);
    text(lx + 32, ly + 4, key);
    ly += 20;
  }
  ly += 6;
  const legend = [
    ["●─", "closed loop (label: sagas in flight)"],
    ["□", "open loop (fixed rate)"],
    ["◇", "one saga at a time"],
  ];
  for (const [mark, what] of legend) {
    text(lx, ly + 4, mark!, `fill="#333"`);
    for (const [i, line] of wrap(what!, 24).entries()) text(lx + 26, ly + 4 + i * 14, line, `fill="#333"`);
    ly += 18 + (wrap(what!, 24).length - 1) * 14;
  }
  ly += 6;
  out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="7 4"/>`);
  text(lx + 32, ly + 4, "measured floor", `fill="#2ca02c"`);
  ly += 20;
  out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#999" stroke-width="1.5" stroke-dasharray="2 3"/>`);
  text(lx + 32, ly + 4, "targets (issue #4)", `fill="#666"`);

  // Caption.
  input.caption.forEach((line, i) => {
    text(m.left, m.top + ph + 66 + i * 16, line, `fill="#444" font-size="11.5"`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function wrap(s: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of s.split(" ")) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
