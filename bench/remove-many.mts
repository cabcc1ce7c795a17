// remove({ kill: true }) of a group holding N processes: wall time, calls through the fs seam, and
// (with --strace) the syscalls of every thread of this process during the remove.
// Usage: npx tsx bench/remove-many.mts [--lib=DIR] [--n=50] [--rounds=5] [--strace]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import * as path from "node:path";

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const lib = path.resolve(arg("lib", path.join(import.meta.dirname, "../src")));
const n = Number(arg("n", "50"));
const rounds = Number(arg("rounds", "5"));
const useStrace = process.argv.includes("--strace");
const { Cgroup, nodeCgroupFs } = (await import(path.join(lib, "index.ts"))) as typeof import("../src/index.js");
// A --lib checkout from before 0.2.0 exports FaultInjectingFs from its root.
const testingEntry = fs.existsSync(path.join(lib, "testing.ts")) ? "testing.ts" : "index.ts";
const { FaultInjectingFs } = (await import(path.join(lib, testingEntry))) as typeof import("../src/testing.js");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function straceSelf(out: string): Promise<ChildProcess> {
  const tids = fs.readdirSync(`/proc/${process.pid}/task`).join(",");
  const tracer = spawn("strace", ["-c", "-f", "-o", out, "-p", tids], { stdio: "ignore" });
  await sleep(500); // attached
  return tracer;
}

const results: { ms: number; fsCalls: number; syscalls?: number }[] = [];
for (let round = 0; round < rounds; round++) {
  const name = `cgroupkit-test-bench-${randomBytes(4).toString("hex")}`;
  const counted = new FaultInjectingFs(nodeCgroupFs);
  const cg = await Cgroup.create(name, { controllers: ["memory", "pids", "freezer"], fs: counted });
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const child = spawn("sleep", ["1000"], { stdio: "ignore" });
    children.push(child);
    await cg.attach(child.pid as number);
  }
  const before = counted.log.length;
  const out = `/tmp/cgroupkit-remove-strace-${process.pid}-${round}`;
  const tracer = useStrace ? await straceSelf(out) : undefined;
  const t0 = performance.now();
  await cg.remove({ kill: true });
  const ms = performance.now() - t0;
  let syscalls: number | undefined;
  if (tracer) {
    tracer.kill("SIGINT");
    await new Promise((r) => tracer.once("exit", r));
    const total = /^\s*100\.00\s+\S+\s+\S+\s+(\d+)/m.exec(fs.readFileSync(out, "utf8"))?.[1] ?? /(\d+)\s+(?:\d+\s+)?total$/m.exec(fs.readFileSync(out, "utf8"))?.[1];
    syscalls = total === undefined ? undefined : Number(total);
    fs.rmSync(out, { force: true });
  }
  results.push({ ms, fsCalls: counted.log.length - before, syscalls });
  for (const c of children) c.kill("SIGKILL");
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const line = {
  lib: path.relative(process.cwd(), lib) || ".",
  n,
  rounds,
  medianMs: Number(median(results.map((r) => r.ms)).toFixed(1)),
  medianFsCalls: median(results.map((r) => r.fsCalls)),
  ...(useStrace ? { medianSyscalls: median(results.map((r) => r.syscalls ?? NaN)) } : {}),
  all: results.map((r) => `${r.ms.toFixed(0)}ms/${r.fsCalls}fs${r.syscalls !== undefined ? `/${r.syscalls}sys` : ""}`).join(" "),
};
console.log(JSON.stringify(line));
void spawnSync;
