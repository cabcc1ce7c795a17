// Case 4: the command line, whole process and wall time: `cgroupkit get` vs cgget, and
// `cgroupkit exec`/`run` vs cgexec; node's start-up reported on its own.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { compare, type Contender, type ContenderResult } from "../harness.js";
import { libcgroupMissing, runTool } from "../tools.js";
import type { BenchContext, CaseResult, CaseRow, Skipped } from "../types.js";

const GROUPS = 200;
const RUN_NAME = "cgroupkit run --parent P -- true (create, devices libvirt-lxc, summary, remove)";

function runOk(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: env ?? process.env });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.slice(0, 8).join(" ")}: exit ${r.status}: ${`${r.stderr}${r.stdout}`.trim().slice(0, 400)}`);
  return r.stdout;
}

const median = (results: readonly ContenderResult[], name: string) => results.find((r) => r.name === name)?.perOp.median;
const pct = (part: number | undefined, whole: number | undefined) => (part === undefined || whole === undefined ? "–" : `${Math.round((100 * part) / whole)}%`);

export async function cliCase(ctx: BenchContext): Promise<CaseResult> {
  const main = path.join(ctx.distDir, "src/cli/main.js");
  const title = "4. CLI, whole process (wall time): cgroupkit get vs cgget, cgroupkit exec/run vs cgexec";
  if (!fs.existsSync(main)) return { id: "cli", title, unit: "ms/invocation", rows: [], notes: [], skipped: `the CLI is not built (${path.relative(ctx.root, main)} is missing)` };
  const node = process.execPath;
  const cgroupkit = (...args: string[]) => [main, ...args];
  // Node start-up dominates each invocation (hundreds of ms on a busy machine): few per round.
  const sample = ctx.quick ? 2 : 4;

  // 200 groups in the hierarchies the files live in.
  const v1 = ctx.host.v1;
  const onV1 = v1.has("memory") && v1.has("cpu") && v1.has("cpuacct") && v1.has("pids");
  const files = onV1 ? ["memory.usage_in_bytes", "memory.limit_in_bytes", "cpu.shares", "cpuacct.usage", "pids.current"] : ["memory.current", "memory.max", "cpu.weight", "cpu.stat", "pids.current"];
  const mounts = onV1 ? ["memory", "cpu", "cpuacct", "pids"].map((c) => v1.get(c)!) : [ctx.host.v2!];
  if (ctx.host.v2 && onV1) mounts.push(ctx.host.v2);
  const parent = ctx.groups.name("cli");
  for (const m of mounts) fs.mkdirSync(path.join(m, parent));
  const names = Array.from({ length: GROUPS }, (_, i) => `${parent}/g${String(i).padStart(3, "0")}`);
  for (const name of names) for (const m of mounts) fs.mkdirSync(path.join(m, name));

  const rows: CaseRow[] = [];
  const notes: string[] = [];
  let nextSample = 0;
  const sampled = () => Array.from({ length: sample }, () => names[nextSample++ % GROUPS]!);

  // Does this CLI have a working `get`? Its failure is reported, not hidden.
  const probe = spawnSync(node, cgroupkit("get", names[0]!, ...files), { encoding: "utf8" });
  const getWorks = probe.status === 0;
  const cggetSkip = libcgroupMissing(ctx.libcgroup, ["cgget"]);
  const cgget = ctx.libcgroup.paths.cgget;
  const getSkipped: Skipped[] = [];
  const getContenders: Contender[] = [
    { name: "node -e 0 (node start-up)", ops: sample, run: () => void sampled().forEach(() => runOk(node, ["-e", "0"])) },
    { name: "cgroupkit --help (start-up + CLI modules)", ops: sample, run: () => void sampled().forEach(() => runOk(node, cgroupkit("--help"))) },
  ];
  if (getWorks) getContenders.push({ name: `cgroupkit get GROUP ${files.length} files`, ops: sample, vs: cggetSkip ? undefined : `cgget -r ×${files.length} GROUP`, run: () => void sampled().forEach((g) => runOk(node, cgroupkit("get", g, ...files))) });
  else getSkipped.push({ name: "cgroupkit get", reason: `failed here: exit ${probe.status}: ${`${probe.stderr}${probe.stdout}`.trim().slice(0, 200)}` });
  if (cggetSkip) getSkipped.push({ name: "cgget", reason: cggetSkip });
  else getContenders.push({ name: `cgget -r ×${files.length} GROUP`, ops: sample, run: () => void sampled().forEach((g) => runTool(cgget!, [...files.flatMap((f) => ["-r", f]), g])) });
  const perInvocation = await compare(getContenders, { rounds: ctx.quick ? 2 : 4, warmup: 1 });
  rows.push({ subject: `get: one group per process (${sample} of the ${GROUPS} groups per round)`, results: perInvocation, skipped: getSkipped });

  // The whole 200 groups: cgget takes them all in one process; cgroupkit get takes one group per
  // process, so its whole job is 200 processes: run for real with --cli-all, else estimated from
  // the per-invocation median (and labelled so).
  const allSkipped: Skipped[] = [];
  const allContenders: Contender[] = [];
  if (!cggetSkip) allContenders.push({ name: `cgget over ${GROUPS} groups, one process`, ops: 1, run: () => void runTool(cgget!, [...files.flatMap((f) => ["-r", f]), ...names]) });
  else allSkipped.push({ name: "cgget", reason: cggetSkip });
  const getName = `cgroupkit get GROUP ${files.length} files`;
  const allFacts: Record<string, string> = {};
  if (getWorks && ctx.cliAll) {
    allContenders.push({ name: `cgroupkit get over ${GROUPS} groups (${GROUPS} processes)`, ops: 1, vs: cggetSkip ? undefined : `cgget over ${GROUPS} groups, one process`, run: () => void names.forEach((g) => runOk(node, cgroupkit("get", g, ...files))) });
  } else if (getWorks) {
    const per = median(perInvocation, getName);
    if (per !== undefined) allFacts[`cgroupkit get over ${GROUPS} groups`] = `not run (${GROUPS} processes; pass --cli-all to run it); estimate ${GROUPS} × ${(per * 1e3).toFixed(0)} ms per invocation = ${(GROUPS * per).toFixed(1)} s`;
  }
  const allResults = allContenders.length > 0 ? await compare(allContenders, { rounds: ctx.cliAll ? 2 : ctx.quick ? 2 : 5, warmup: ctx.cliAll ? 0 : 1 }) : [];
  const cggetAll = allResults.find((r) => r.name.startsWith("cgget"))?.perOp.median;
  const per = median(perInvocation, getName);
  if (cggetAll !== undefined && per !== undefined && !ctx.cliAll) allFacts["estimated ratio"] = `${((GROUPS * per) / cggetAll).toFixed(0)}× cgget's one process`;
  rows.push({ subject: `get over all ${GROUPS} groups (whole job)`, results: allResults, skipped: allSkipped, facts: allFacts });
  ctx.progress("cli get");

  // exec / run vs cgexec, one `true` per process.
  const execGroup = `${parent}/exec`;
  const execSkipped: Skipped[] = [];
  const runContenders: Contender[] = [
    { name: "/bin/true (spawn only)", ops: sample, run: () => void sampled().forEach(() => runOk("/bin/true", [])) },
    { name: "node -e 0 (node start-up)", ops: sample, run: () => void sampled().forEach(() => runOk(node, ["-e", "0"])) },
    { name: "cgroupkit --help (start-up + CLI modules)", ops: sample, run: () => void sampled().forEach(() => runOk(node, cgroupkit("--help"))) },
  ];
  const cgexecSkip = libcgroupMissing(ctx.libcgroup, ["cgexec"]);
  const controllers = onV1 ? "memory,cpu,cpuacct,pids" : "memory,cpu,pids";
  let execReady = false;
  try {
    runOk(node, cgroupkit("create", execGroup));
    execReady = true;
  } catch (err) {
    execSkipped.push({ name: "cgroupkit exec", reason: `cgroupkit create ${execGroup} failed: ${(err as Error).message.slice(0, 200)}` });
  }
  const cgexecName = `cgexec -g ${controllers}:GROUP true`;
  if (cgexecSkip) execSkipped.push({ name: "cgexec", reason: cgexecSkip });
  else if (execReady) runContenders.push({ name: cgexecName, ops: sample, run: () => void sampled().forEach(() => runTool(ctx.libcgroup.paths.cgexec!, ["-g", `${controllers}:${execGroup}`, "true"])) });
  const vs = cgexecSkip || !execReady ? undefined : cgexecName;
  if (execReady) {
    const probeExec = spawnSync(node, cgroupkit("exec", execGroup, "--", "true"), { encoding: "utf8" });
    if (probeExec.status === 0) runContenders.push({ name: "cgroupkit exec GROUP -- true", ops: sample, vs, run: () => void sampled().forEach(() => runOk(node, cgroupkit("exec", execGroup, "--", "true"))) });
    else execSkipped.push({ name: "cgroupkit exec", reason: `failed here: exit ${probeExec.status}: ${`${probeExec.stderr}`.trim().slice(0, 200)}` });
  }
  const probeRun = spawnSync(node, cgroupkit("run", "--parent", parent, "--", "true"), { encoding: "utf8" });
  if (probeRun.status === 0) {
    runContenders.push({ name: RUN_NAME, ops: sample, vs, run: () => void sampled().forEach(() => runOk(node, cgroupkit("run", "--parent", parent, "--", "true"))) });
  } else execSkipped.push({ name: "cgroupkit run", reason: `failed here: exit ${probeRun.status}: ${`${probeRun.stderr}`.trim().slice(0, 200)}` });
  const runResults = await compare(runContenders, { rounds: ctx.quick ? 2 : 4, warmup: 1 });
  rows.push({ subject: `exec/run: one \`true\` per process (${sample} per round)`, results: runResults, skipped: execSkipped });
  ctx.progress("cli exec/run");

  // Shares from medians of the same rounds: node start-up, then loading the CLI's modules
  // (`--help` minus start-up), then the rest (the verb's own work, and for run/exec the child).
  const shares: Array<(string | number)[]> = [];
  const share = (results: readonly ContenderResult[], name: string, label: string) => {
    const total = median(results, name);
    const startup = median(results, "node -e 0 (node start-up)");
    const help = median(results, "cgroupkit --help (start-up + CLI modules)");
    if (total === undefined || startup === undefined || help === undefined) return;
    const ms = (x: number) => (x * 1e3).toFixed(0);
    shares.push([label, ms(total), `${ms(startup)} (${pct(startup, total)})`, `${ms(help - startup)} (${pct(help - startup, total)})`, `${ms(total - help)} (${pct(total - help, total)})`]);
  };
  share(perInvocation, `cgroupkit get GROUP ${files.length} files`, "cgroupkit get GROUP (5 files)");
  share(runResults, "cgroupkit exec GROUP -- true", "cgroupkit exec GROUP -- true");
  share(runResults, RUN_NAME, "cgroupkit run --parent P -- true");
  notes.push(
    `Files read by get: ${files.join(", ")}. The ${GROUPS} groups exist throughout; each round takes the next ${sample} of them.`,
    "cgroupkit runs as `node dist/src/cli/main.js` (the package's bin) from the tsc output; node start-up is `node -e 0` measured in the same rounds. \"CLI modules\" is `cgroupkit --help` minus node start-up: loading the CLI and the package it imports, before any cgroup work.",
    "cgexec only moves itself into an existing group and execs; `cgroupkit exec` does the same through the library; `cgroupkit run` also creates a transient group in every hierarchy, applies the default device policy (libvirt-lxc), reports usage and removes the group.",
    `\`cgroupkit get\` takes one group per process, so ${GROUPS} groups take ${GROUPS} processes; cgget reads them all in one.`,
  );
  return {
    id: "cli",
    title,
    unit: "ms/invocation",
    rows,
    tables: shares.length > 0 ? [{ title: "Where a cgroupkit invocation's time goes (medians of the same rounds, ms; noise can make a small part negative)", header: ["command", "total ms", "node start-up", "loading the CLI's modules", "the verb's work (and the child)"], rows: shares }] : [],
    notes,
  };
}
