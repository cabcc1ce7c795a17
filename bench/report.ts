// The readable tables (Markdown, also printed to the terminal) and the target verdicts.
import type { ContenderResult } from "./harness.js";
import type { CaseResult } from "./types.js";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly cgroupLayout: string;
  readonly libcgroup: string;
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd?: readonly number[];
  readonly date: string;
  readonly command: string;
  readonly commit: string;
}

export interface Verdict {
  readonly caseId: string;
  readonly subject: string;
  readonly contender: string;
  readonly ratio: number;
  readonly vs: string;
  readonly maxRatio: number;
  readonly met: boolean;
}

function scaleOf(unit: string): number {
  if (unit.startsWith("µs")) return 1e6;
  if (unit.startsWith("ms")) return 1e3;
  if (unit.startsWith("ns")) return 1e9;
  return 1;
}

function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(digits);
}

function ratioText(r: ContenderResult["ratio"], isReference: boolean): string {
  if (!r) return isReference ? "(reference)" : "";
  return `${r.median.toFixed(2)}× (${r.p25.toFixed(2)}–${r.p75.toFixed(2)})`;
}

export function verdicts(cases: readonly CaseResult[]): Verdict[] {
  const out: Verdict[] = [];
  for (const c of cases) {
    for (const target of [...(c.target ? [c.target] : []), ...(c.targets ?? [])]) {
      for (const row of c.rows) {
        for (const r of row.results) {
          if (!r.ratio || !target.contenders.some((t) => (t.endsWith("*") ? r.name.startsWith(t.slice(0, -1)) : r.name === t))) continue;
          out.push({ caseId: c.id, subject: row.subject, contender: r.name, ratio: r.ratio.median, vs: r.ratio.vs, maxRatio: target.maxRatio, met: r.ratio.median <= target.maxRatio });
        }
      }
    }
  }
  return out;
}

const escape = (text: string) => text.replace(/\|/g, "\\|");

function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const lines = [`| ${header.map(escape).join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map((c) => escape(String(c))).join(" | ")} |`);
  return lines.join("\n");
}

export function caseMarkdown(c: CaseResult): string {
  const parts = [`### ${c.title}`, ""];
  if (c.skipped) {
    parts.push(`**Skipped:** ${c.skipped}`, "");
    return parts.join("\n");
  }
  const scale = scaleOf(c.unit);
  for (const row of c.rows) {
    parts.push(`**${row.subject}**`, "");
    if (row.results.length > 0) {
      const header = ["contender", `median ${c.unit}`, "p25–p75", "min–max", ...(c.throughputUnit ? [c.throughputUnit] : []), "ratio (p25–p75)", "vs"];
      const references = new Set(row.results.map((r) => r.ratio?.vs));
      const rows = row.results.map((r) => [
        r.name,
        num(r.perOp.median * scale),
        `${num(r.perOp.p25 * scale)}–${num(r.perOp.p75 * scale)}`,
        `${num(r.perOp.min * scale)}–${num(r.perOp.max * scale)}`,
        ...(c.throughputUnit ? [num(1 / r.perOp.median)] : []),
        ratioText(r.ratio, references.has(r.name)),
        r.ratio?.vs ?? "",
      ]);
      for (const s of row.skipped ?? []) rows.push([s.name, "skipped", "", "", ...(c.throughputUnit ? [""] : []), s.reason, ""]);
      parts.push(table(header, rows), "");
    } else if (row.skipped?.length) {
      for (const s of row.skipped) parts.push(`- ${s.name}: ${s.reason}`);
      parts.push("");
    }
    if (row.facts) {
      for (const [k, v] of Object.entries(row.facts)) parts.push(`- ${k}: ${v}`);
      parts.push("");
    }
  }
  for (const t of c.tables ?? []) parts.push(`**${t.title}**`, "", table(t.header, t.rows), "");
  if (c.notes.length > 0) parts.push(...c.notes.map((n) => `- ${n}`), "");
  return parts.join("\n");
}

export function machineMarkdown(m: Machine, totalSeconds: number): string {
  return [
    `- Machine: ${m.cpu}, ${m.cores} cores visible, ${m.memoryGiB} GiB; ${m.os}; Linux ${m.kernel}; cgroup layout ${m.cgroupLayout}`,
    `- Node ${m.node}; libcgroup: ${m.libcgroup}`,
    `- Load average at start ${m.loadAverageStart.map((l) => l.toFixed(2)).join(" ")}${m.loadAverageEnd ? `, at end ${m.loadAverageEnd.map((l) => l.toFixed(2)).join(" ")}` : ""} (a shared machine: compare ratios, not absolute times)`,
    `- ${m.date}, commit ${m.commit}; the whole run took ${Math.round(totalSeconds)} s; reproduce with \`${m.command}\` (as root)`,
  ].join("\n");
}

export function verdictMarkdown(list: readonly Verdict[]): string {
  if (list.length === 0) return "";
  return [
    "### Targets",
    "",
    table(
      ["case", "subject", "contender", "median ratio", "target", "met"],
      list.map((v) => [v.caseId, v.subject, v.contender, `${v.ratio.toFixed(2)}× ${v.vs}`, `≤ ${v.maxRatio}×`, v.met ? "yes" : "**no**"]),
    ),
    "",
  ].join("\n");
}
