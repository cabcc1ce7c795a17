// Case: kernel event -> iterator yield. watch() (inotify on cgroup.events) side by side with a 100 ms
// poller (Mesos' approach), on the cgroup2 hierarchy: latency median and p99 of populated 0<->1
// transitions made by moving a sleeping process in and out, and CPU cost per idle watched group.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { watch } from "../../src/events/watch.js";
import type { BenchContext, CaseResult } from "../types.js";

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

/** A watcher of one file's `populated`: resolves `next(value)` when it sees that value. */
interface Detector {
  next(value: 0 | 1): Promise<number>;
  stop(): void;
}

function eventDetector(cg: Cgroup): Promise<Detector> {
  const stream = watch(cg);
  let waiting: { value: bigint; resolve: (t: number) => void } | undefined;
  void (async () => {
    for await (const e of stream) {
      if (e.source === "cgroup.events" && waiting && e.values.populated === waiting.value) {
        const w = waiting;
        waiting = undefined;
        w.resolve(performance.now());
      }
    }
  })();
  return stream.ready.then(() => ({
    next: (value) => new Promise<number>((resolve) => (waiting = { value: BigInt(value), resolve })),
    stop: () => stream.close(),
  }));
}

function pollDetector(file: string): Promise<Detector> {
  let waiting: { value: string; resolve: (t: number) => void } | undefined;
  const timer = setInterval(() => {
    if (waiting && fs.readFileSync(file, "utf8").includes(`populated ${waiting.value}`)) {
      const w = waiting;
      waiting = undefined;
      w.resolve(performance.now());
    }
  }, POLL_MS);
  return Promise.resolve({ next: (value) => new Promise<number>((resolve) => (waiting = { value: String(value), resolve })), stop: () => clearInterval(timer) });
}

export async function eventsCase(ctx: BenchContext): Promise<CaseResult> {
  const title = "Events: kernel event to iterator yield, watch() vs a 100 ms poller";
  const v2 = ctx.host.v2;
  if (!v2) return { id: "events", title, unit: "ms/event", rows: [], notes: [], skipped: "no cgroup2 hierarchy mounted" };
  const samples = ctx.quick ? 10 : 40;
  const idleGroups = ctx.quick ? 20 : 100;
  const idleSeconds = ctx.quick ? 2 : 5;
  const parent = ctx.groups.name("events");
  const open = async (name: string) => Cgroup.create(name, { controllers: [] });
  const park = await open(`${parent}/park`);
  const target = await open(`${parent}/target`);
  const targetDir = target.v2Placement!.dir;
  const parkDir = park.v2Placement!.dir;
  const sleeper = spawn("sleep", ["3600"], { stdio: "ignore" });
  const pid = String(sleeper.pid);
  fs.writeFileSync(path.join(parkDir, "cgroup.procs"), pid);
  const latencies: Record<string, number[]> = { "watch() (inotify)": [], [`poll every ${POLL_MS} ms`]: [] };
  try {
    const detectors = { "watch() (inotify)": await eventDetector(target), [`poll every ${POLL_MS} ms`]: await pollDetector(path.join(targetDir, "cgroup.events")) };
    for (let i = 0; i < samples; i++) {
      // interleaved: each transition is timed by both, from the moment the write returns
      for (const value of [1, 0] as const) {
        const seen = Object.entries(detectors).map(([name, d]) => d.next(value).then((t) => [name, t] as const));
        fs.writeFileSync(path.join(value === 1 ? targetDir : parkDir, "cgroup.procs"), pid);
        const kernelAt = performance.now();
        for (const [name, t] of await Promise.all(seen)) latencies[name]!.push(t - kernelAt);
        await sleep(20 + Math.random() * 80); // a random phase against the poller's interval
      }
    }
    for (const d of Object.values(detectors)) d.stop();
  } finally {
    sleeper.kill("SIGKILL");
  }

  // Idle cost: N watched groups (full watch: every *.events file) vs N groups polled every 100 ms.
  const idle = await Promise.all(Array.from({ length: idleGroups }, (_, i) => open(`${parent}/idle${i}`)));
  const cpuPerGroup = async (arm: () => Promise<() => void>) => {
    const stop = await arm();
    await sleep(300);
    const start = process.cpuUsage();
    const wall = performance.now();
    await sleep(idleSeconds * 1000);
    const used = process.cpuUsage(start);
    const seconds = (performance.now() - wall) / 1000;
    stop();
    return (used.user + used.system) / idleGroups / seconds; // µs of CPU per group per second
  };
  const watched = await cpuPerGroup(async () => {
    const streams = idle.map((cg) => watch(cg));
    await Promise.all(streams.map((s) => s.ready));
    return () => streams.forEach((s) => s.close());
  });
  const polled = await cpuPerGroup(async () => {
    const files = idle.map((cg) => path.join(cg.v2Placement!.dir, "cgroup.events"));
    const timer = setInterval(() => files.forEach((f) => fs.readFileSync(f, "utf8")), POLL_MS);
    return () => clearInterval(timer);
  });
  const baseline = await cpuPerGroup(async () => () => undefined);
  for (const cg of [...idle, target, park]) await cg.remove();

  const rows = Object.entries(latencies).map(([name, xs]) => [name, fmt(quantile(xs, 0.5)), fmt(quantile(xs, 0.99)), fmt(Math.max(...xs)), xs.length]);
  return {
    id: "events",
    title,
    unit: "ms/event",
    rows: [],
    tables: [
      { title: "Latency from the kernel event (the cgroup.procs write returning) to the yield, ms", header: ["detector", "median", "p99", "max", "events"], rows },
      {
        title: `CPU per idle group, µs of CPU per group per second (${idleGroups} groups, ${idleSeconds} s)`,
        header: ["detector", "µs/group/s", "minus an idle process"],
        rows: [
          ["watch() (inotify, every *.events file)", watched.toFixed(2), (watched - baseline).toFixed(2)],
          [`poll cgroup.events every ${POLL_MS} ms`, polled.toFixed(2), (polled - baseline).toFixed(2)],
          ["nothing watched (the process idling)", baseline.toFixed(2), "0"],
        ],
      },
    ],
    notes: [
      "Events are populated 0<->1 transitions of a cgroup2 group, made by moving one sleeping process between it and a sibling; both detectors time the same transitions.",
      "An idle watched group costs two inotify watches (its directory and its parent) and no CPU until the kernel writes: the poller's cost grows with the number of groups and its latency with its interval.",
    ],
  };
}
