// `npm run bench`: every case side by side with its reference, repeated and interleaved;
// prints Markdown tables and writes bench/results/latest.{json,md}.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { cliCase } from "./cases/cli.js";
import { codegenCase } from "./cases/codegen.js";
import { devicesCase } from "./cases/devices.js";
import { eventsCase } from "./cases/events.js";
import { lifecycleCase } from "./cases/lifecycle.js";
import { metricsCase } from "./cases/metrics.js";
import { readCase } from "./cases/read.js";
import { snapshotCase } from "./cases/snapshot.js";
import { BenchGroups, hostHierarchies } from "./groups.js";
import { caseMarkdown, machineMarkdown, verdictMarkdown, verdicts, type Machine } from "./report.js";
import { INSTALL_HINT, findLibcgroupTools } from "./tools.js";
import type { BenchContext, CaseResult } from "./types.js";

const RESULTS_START = "<!-- bench:results:start (written by npm run bench) -->";
const RESULTS_END = "<!-- bench:results:end -->";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CASES = {
  read: { run: readCase, needsRoot: true, needsBuild: false },
  snapshot: { run: snapshotCase, needsRoot: true, needsBuild: false },
  lifecycle: { run: lifecycleCase, needsRoot: true, needsBuild: false },
  devices: { run: devicesCase, needsRoot: true, needsBuild: false },
  events: { run: eventsCase, needsRoot: true, needsBuild: false },
  metrics: { run: metricsCase, needsRoot: true, needsBuild: false },
  codegen: { run: codegenCase, needsRoot: false, needsBuild: true },
  cli: { run: cliCase, needsRoot: true, needsBuild: true },
} as const;
type CaseId = keyof typeof CASES;

const USAGE = `Usage: npm run bench [-- options]   (as root: the cases create and remove cgroups)
  --only=read,snapshot,lifecycle,devices,events,metrics,codegen,cli   run some cases (default: all, in that order)
  --quick          fewer rounds and smaller N: a smoke run, not for publishing
  --out=DIR        where latest.json / latest.md go (default bench/results)
  --cli-all        run \`cgroupkit get\` over all 200 groups for real (200 processes) instead of estimating it
  --render         only print the tables of the saved latest.json again (and put them in bench/README.md)
  --no-build       reuse the compiled package in temp/bench-dist instead of compiling it again`;

function parseArgs(argv: readonly string[]) {
  let only: CaseId[] = Object.keys(CASES) as CaseId[];
  let quick = false;
  let cliAll = false;
  let render = false;
  let build = true;
  let out = path.join(ROOT, "bench", "results");
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg === "--cli-all") cliAll = true;
    else if (arg === "--render") render = true;
    else if (arg === "--no-build") build = false;
    else if (arg.startsWith("--only=")) {
      only = arg.slice(7).split(",").filter(Boolean) as CaseId[];
      for (const id of only) if (!(id in CASES)) throw new Error(`unknown case ${id}\n${USAGE}`);
    } else if (arg.startsWith("--out=")) out = path.resolve(arg.slice(6));
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return { only, quick, cliAll, render, build, out };
}

function machine(layout: string, libcgroup: string, command: string): Machine {
  const osRelease = fs.existsSync("/etc/os-release") ? (/^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? "") : "";
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "generated", "bench"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (dirty !== "") commit += " (+ uncommitted changes)";
  } catch {
    /* not a git checkout */
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: osRelease,
    node: process.version,
    cgroupLayout: layout,
    libcgroup,
    loadAverageStart: os.loadavg(),
    date: new Date().toISOString(),
    command,
    commit,
  };
}

/** Compile the package (src + generated) with tsc into temp/bench-dist, as `npm run build` would into dist/. */
function compile(distDir: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", distDir, "--declaration", "false", "--sourceMap", "false"], { cwd: ROOT, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!fs.existsSync(path.join(distDir, "src/index.js"))) throw new Error(`compiling the package failed:\n${r.stdout}${r.stderr}`);
  // The CLI as the package ships it: the bundle and its launcher (codegen/bundle-cli.ts), next to the tsc output.
  const b = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "codegen/bundle-cli.ts", path.join(distDir, "cli")], { cwd: ROOT, encoding: "utf8" });
  if (b.status !== 0) throw new Error(`bundling the CLI failed:\n${b.stdout}${b.stderr}`);
  if (r.status !== 0) process.stderr.write(`bench: tsc reported type errors (output written anyway; the timings use it):\n${r.stdout.split("\n").slice(0, 10).join("\n")}\n`);
  return seconds;
}

/** Tables of the run in `out/latest.json`: printed, written to `out/latest.md`, and into bench/README.md when asked. */
function publish(out: string, updateReadme: boolean): void {
  const saved = JSON.parse(fs.readFileSync(path.join(out, "latest.json"), "utf8")) as { machine: Machine; totalSeconds: number; cases: CaseResult[] };
  // Cases are run in CASES order (the CLI last) but shown in the order of their numbered titles.
  const rank = (c: CaseResult) => Number(/^(\d+)\./.exec(c.title)?.[1] ?? 99);
  const cases = [...saved.cases].sort((a, b) => rank(a) - rank(b));
  const markdown = [machineMarkdown(saved.machine, saved.totalSeconds), "", verdictMarkdown(verdicts(cases)), ...cases.map(caseMarkdown)].join("\n");
  console.log(markdown);
  fs.writeFileSync(path.join(out, "latest.md"), `${markdown}\n`);
  if (!updateReadme) return;
  const readme = path.join(ROOT, "bench", "README.md");
  const text = fs.readFileSync(readme, "utf8");
  const start = text.indexOf(RESULTS_START);
  const stop = text.indexOf(RESULTS_END);
  if (start < 0 || stop < start) process.stderr.write(`bench: ${readme} lacks the ${RESULTS_START} … ${RESULTS_END} markers; not updated\n`);
  else fs.writeFileSync(readme, `${text.slice(0, start + RESULTS_START.length)}\n\n${markdown}\n${text.slice(stop)}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    publish(args.out, args.out === path.join(ROOT, "bench", "results"));
    return;
  }
  const isRoot = process.getuid?.() === 0;
  const host = hostHierarchies();
  const libcgroup = findLibcgroupTools();
  if (libcgroup.missing.length > 0) {
    process.stderr.write(`bench: libcgroup tools missing (${libcgroup.missing.join(", ")}): their columns are skipped, not estimated.\n  Install them with: ${INSTALL_HINT}\n`);
  }
  const stale = BenchGroups.stale(host);
  if (stale.length > 0) process.stderr.write(`bench: groups left by an earlier, killed run (remove them with rmdir, deepest first): ${stale.join(" ")}\n`);

  const groups = new BenchGroups(host);
  if (isRoot) groups.setUp();
  const distDir = path.join(ROOT, "temp", "bench-dist");
  const command = `npm run bench${args.quick || args.cliAll ? ` --${args.quick ? " --quick" : ""}${args.cliAll ? " --cli-all" : ""}` : ""}`;
  const info = machine(host.kind, libcgroup.version ?? (libcgroup.missing.length === 0 ? "found (version unknown)" : "not installed"), command);
  const ctx: BenchContext = {
    host,
    groups,
    libcgroup,
    quick: args.quick,
    cliAll: args.cliAll,
    root: ROOT,
    distDir,
    progress: (m) => process.stderr.write(`bench: ${m} done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`),
  };
  const t0 = performance.now();
  const results: CaseResult[] = [];
  let buildSeconds: number | undefined;
  try {
    if (args.build && args.only.some((id) => CASES[id].needsBuild)) {
      process.stderr.write("bench: compiling the package into temp/bench-dist …\n");
      buildSeconds = compile(distDir);
    }
    for (const id of args.only) {
      const c = CASES[id];
      if (c.needsRoot && !isRoot) {
        results.push({ id, title: id, unit: "", rows: [], notes: [], skipped: "needs root (it creates cgroups)" });
        continue;
      }
      process.stderr.write(`bench: case ${id} …\n`);
      results.push(await c.run({ ...ctx, buildSeconds }));
    }
  } finally {
    groups.tearDown();
  }
  const end = { ...info, loadAverageEnd: os.loadavg() };
  const totalSeconds = (performance.now() - t0) / 1000;
  const json = path.join(args.out, "latest.json");
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(json, `${JSON.stringify({ machine: end, totalSeconds, verdicts: verdicts(results), cases: results }, null, 2)}\n`);
  // A full run into the default place is the published one: it replaces the results in bench/README.md.
  const full = !args.quick && args.only.length === Object.keys(CASES).length && args.out === path.join(ROOT, "bench", "results");
  publish(args.out, full);
  process.stderr.write(`bench: wrote ${path.relative(process.cwd(), json)} and latest.md (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

await main();
