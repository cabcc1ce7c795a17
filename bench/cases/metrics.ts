// Case 7: serve-metrics' scrape cost at N groups: the collector's scrape (walk the group
// directories, one pread per held file, samples), the prom-client text it renders, and both
// together as GET /metrics does; ms per scrape beside files and directories per scrape.
import * as fs from "node:fs";
import * as path from "node:path";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { openMetricsCollector, type MetricFamily, type MetricSample, type MetricsCollector, type Scrape } from "../../src/metrics/collector.js";
import { createExposition } from "../../src/metrics/exposition.js";
import { compare, timeOnce } from "../harness.js";
import type { BenchContext, CaseResult, CaseRow } from "../types.js";

/** The hierarchies the collector exports: a child is made in each (v1 controllers and cgroup2). */
const EXPORTED_V1 = ["memory", "cpu", "cpuacct", "pids", "blkio"];

/**
 * The yardstick prom-client is measured against: the same text 0.0.4 written by hand (HELP/TYPE
 * once per family, label values escaped as the format says). Bench only; the server uses prom-client.
 */
function handWritten(samples: readonly MetricSample[]): string {
  const byFamily = new Map<MetricFamily, MetricSample[]>();
  for (const s of samples) {
    const list = byFamily.get(s.family);
    if (list) list.push(s);
    else byFamily.set(s.family, [s]);
  }
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
  const out: string[] = [];
  for (const [f, list] of byFamily) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of list) {
      const labels = f.labelNames.filter((l) => s.labels[l] !== undefined).map((l) => `${l}="${escape(s.labels[l]!)}"`);
      const value = s.value === Infinity ? "+Inf" : String(s.value);
      out.push(labels.length > 0 ? `${f.name}{${labels.join(",")}} ${value}` : `${f.name} ${value}`);
    }
  }
  return `${out.join("\n")}\n`;
}

export async function metricsCase(ctx: BenchContext): Promise<CaseResult> {
  const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
  const layout = await readCgroupLayout();
  const mounts = [...new Set([...EXPORTED_V1.map((c) => ctx.host.v1.get(c)).filter((m): m is string => m !== undefined), ...(ctx.host.v2 ? [ctx.host.v2] : [])])];
  const parentName = ctx.groups.name("metrics");
  const parents = mounts.map((m) => path.join(m, parentName));
  for (const p of parents) fs.mkdirSync(p);
  const exposition = await createExposition("prometheus");
  const rows: CaseRow[] = [];
  const table: Array<Array<string | number>> = [];
  let created = 0;
  let collector: MetricsCollector | undefined;
  try {
    for (const n of sizes) {
      // mkdir straight into each hierarchy: the bench's setup, not what it measures.
      for (; created < n; created++) for (const p of parents) fs.mkdirSync(path.join(p, `m${String(created).padStart(4, "0")}`));
      collector?.close();
      let last: Scrape | undefined;
      let opened: MetricsCollector | undefined;
      const openSeconds = await timeOnce(async () => {
        opened = await openMetricsCollector({ layout, root: parentName });
        last = await opened.scrape();
      });
      collector = opened!;
      const c = collector;
      const steady = await c.scrape();
      if (steady.cost.groups !== (n + 1) * mounts.length || steady.cost.errors !== 0) throw new Error(`metrics: scrape saw ${steady.cost.groups} groups (${steady.cost.errors} errors), expected ${(n + 1) * mounts.length}`);
      let text = "";
      const results = await compare(
        [
          { name: "collector.scrape(): walk + pread + samples", ops: 1, run: async () => void (last = await c.scrape()) },
          { name: "prom-client render of one scrape's samples", ops: 1, vs: "hand-written text 0.0.4 (bench yardstick)", run: async () => void (text = await exposition.render(steady.samples)) },
          { name: "hand-written text 0.0.4 (bench yardstick)", ops: 1, run: () => void handWritten(steady.samples) },
          { name: "GET /metrics work: scrape + render", ops: 1, run: async () => void (text = await exposition.render((await c.scrape()).samples)) },
        ],
        { rounds: ctx.quick ? 3 : n >= 1000 ? 5 : 15, warmup: n >= 1000 ? 2 : 1 },
      );
      const ms = (name: string) => (results.find((r) => r.name.startsWith(name))!.perOp.median * 1000).toFixed(2);
      const cost = last!.cost;
      table.push([n, (n + 1) * mounts.length, ms("collector"), ms("prom-client"), ms("hand-written"), ms("GET"), cost.files, cost.directories, cost.openFiles, cost.series, (Buffer.byteLength(text) / 1024).toFixed(0), (openSeconds * 1000).toFixed(0)]);
      rows.push({ subject: `N = ${n} groups`, results, facts: { "files/scrape": cost.files, "directories/scrape": cost.directories, "series/scrape": cost.series, "held open": cost.openFiles } });
      ctx.progress(`metrics N=${n}`);
    }
  } finally {
    collector?.close();
    for (const p of parents) {
      for (let i = created - 1; i >= 0; i--) fs.rmdirSync(path.join(p, `m${String(i).padStart(4, "0")}`));
      fs.rmdirSync(p);
    }
  }
  return {
    id: "metrics",
    title: "7. serve-metrics: scrape cost at N groups (per scrape)",
    unit: "ms/scrape",
    rows: rows.map((r) => ({ ...r, results: r.results.map((x) => ({ ...x })) })),
    tables: [
      {
        title: "Scrape cost side by side",
        header: ["N", "groups × hierarchies", "scrape ms", "prom-client render ms", "hand-written render ms", "GET work ms", "files/scrape", "dirs/scrape", "held open", "series", "text KiB", "first scrape ms (opens)"],
        rows: table,
      },
    ],
    notes: [
      `Each of the N groups exists in ${mounts.length} hierarchies (${mounts.map((m) => path.basename(m)).join(", ")}): a (hierarchy, group) pair is its own set of series, so groups × hierarchies is what a scrape exports, plus the parent.`,
      "collector.scrape() lstats every group directory (a cgroupfs directory's link count is 2 + its subdirectories: it is listed again only when that changed, or when a child vanished), then preads each held file once at offset 0 and converts the values to samples; the files were opened by the first scrape (last column), as a running server has them. Past the descriptor limit (RLIMIT_NOFILE less 1024) the remaining groups are read by path.",
      "render is prom-client's Registry (reset, set/inc per sample, text); GET /metrics does scrape + render. `hand-written` is a bench-only formatter of the same text, the yardstick for what prom-client costs. Times are medians of interleaved rounds.",
    ],
  };
}
