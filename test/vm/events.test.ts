// Kernel events on pure cgroup v2: watch() (inotify on *.events, counted from the counters),
// pressure() (a PSI trigger woken through poll(POLLPRI)), and the waits of freeze/kill/remove.
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { pressure, watch, waitFor, WaitTimeoutError, type CgroupEvent } from "../../src/events/index.js";
import { InvalidValueError } from "../../src/runtime/errors.js";
import { cleanupGroups, enableAll, exited, procs, ROOT, spawnIn, track, until } from "./support/v2.js";
import { testName } from "../support/host.js";

const children: ReturnType<typeof spawnIn>[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  cleanupGroups();
});
afterAll(() => enableAll(ROOT));

async function group(): Promise<Cgroup> {
  const name = testName();
  track(path.join(ROOT, name));
  return Cgroup.create(name, { controllers: ["memory", "pids", "cpu", "io"] });
}

function start(cg: Cgroup, script: string, args: string[] = []) {
  const child = spawnIn(cg.v2Placement!.dir, script, args);
  children.push(child);
  return child;
}

/** Collect events until `done` says so (or the stream ends), with a bound. */
async function collect(stream: AsyncIterable<CgroupEvent>, done: (seen: CgroupEvent[]) => boolean, timeoutMs = 60_000): Promise<CgroupEvent[]> {
  const seen: CgroupEvent[] = [];
  const timer = setTimeout(() => (stream as { close?: () => void }).close?.(), timeoutMs);
  try {
    for await (const event of stream) {
      seen.push(event);
      if (done(seen)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

const HOG = "const h = []; for (;;) h.push(Buffer.alloc(1 << 20, 1));";

describe("watch() on cgroup2", () => {
  it("an OOM kill is a memory.events delta with oom_kill >= 1; populated 1 -> 0 when the last process exits", async () => {
    const cg = await group();
    await cg.requireV2("memory").max.write(32n << 20n);
    await cg.requireV2("memory").swapMax.write(0n);
    const stream = watch(cg);
    await stream.ready;
    const hog = start(cg, `exec "$1" -e "$2"`, [process.execPath, HOG]);
    const seen = await collect(stream, (s) => s.some((e) => e.source === "cgroup.events" && e.delta.populated === -1n));
    expect((await exited(hog)).signal).toBe("SIGKILL");
    const oom = seen.find((e) => e.source === "memory.events" && (e.delta.oom_kill ?? 0n) >= 1n);
    expect(oom, JSON.stringify(seen.map((e) => [e.source, e.delta]), (_k, v) => (typeof v === "bigint" ? `${v}` : v))).toBeDefined();
    expect(oom!.values.oom_kill).toBeGreaterThanOrEqual(1n);
    const populated = seen.filter((e) => e.source === "cgroup.events").map((e) => e.values.populated);
    expect(populated).toEqual([1n, 0n]);
  });

  it("freezing reports frozen = 1, and Cgroup.freeze returns once the kernel says so", async () => {
    const cg = await group();
    start(cg, "while :; do :; done");
    await waitFor(cg, (s) => s.populated === true, { timeoutMs: 30_000 });
    const stream = watch(cg);
    await stream.ready;
    await cg.freeze({ timeoutMs: 30_000 });
    expect((await cg.v2.core.events.read()).frozen).toBe(1n);
    const seen = await collect(stream, (s) => s.some((e) => e.delta.frozen === 1n));
    expect(seen.at(-1)?.values.frozen).toBe(1n);
    await cg.thaw();
  });

  it("a fork bomb that hits pids.max shows as a pids.events delta", async () => {
    const cg = await group();
    await cg.requireV2("pids").max.write(8n);
    const stream = watch(cg);
    await stream.ready;
    start(cg, "for i in $(seq 40); do sleep 30 & done; wait");
    const seen = await collect(stream, (s) => s.some((e) => e.source === "pids.events" && (e.delta.max ?? 0n) >= 1n));
    const hit = seen.find((e) => e.source === "pids.events");
    expect(hit?.delta.max).toBeGreaterThanOrEqual(1n);
    stream.close();
    await cg.kill({ timeoutMs: 30_000 });
  });

  it("the iteration ends when the group is removed", async () => {
    const cg = await group();
    const stream = watch(cg);
    await stream.ready;
    const ended = collect(stream, () => false, 30_000);
    await cg.remove();
    const started = Date.now();
    await ended;
    expect(Date.now() - started).toBeLessThan(5_000); // ended by the removal, not by collect's 30 s bound
    expect(stream.state.removed).toBe(true);
  });

  it("kill and remove of a busy group wait for populated = 0 from the events", async () => {
    const cg = await group();
    for (let i = 0; i < 10; i++) start(cg, "exec sleep 600");
    await until("the 10 sleepers to join", () => procs(cg.v2Placement!.dir).length === 10);
    await cg.remove({ kill: true });
    expect(await cg.v2.core.events.exists()).toBe(false);
  });

  it("waitFor past its budget is a WaitTimeoutError naming the pids and child groups", async () => {
    const cg = await group();
    const child = start(cg, "exec sleep 600");
    await waitFor(cg, (s) => s.populated === true, { timeoutMs: 30_000 });
    const err = await waitFor(cg, (s) => s.populated === false, { timeoutMs: 200, condition: "populated = 0" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as WaitTimeoutError).pids).toContain(child.pid);
    expect((err as WaitTimeoutError).message).toContain("populated = 0");
  });
});

describe("pressure() on cgroup2", () => {
  it("a memory PSI trigger fires under a memory hog held at memory.high", async () => {
    const cg = await group();
    await cg.requireV2("memory").high.write(8n << 20n);
    await cg.requireV2("memory").swapMax.write(0n);
    const events = pressure(cg, "memory", { kind: "some", stallUs: 50_000, windowUs: 1_000_000 });
    start(cg, `exec "$1" -e "$2"`, [process.execPath, HOG]);
    const timer = setTimeout(() => void events.return?.(), 60_000);
    const first = await events.next();
    clearTimeout(timer);
    expect(first.done).toBe(false);
    expect(first.value?.path).toBe(`${cg.v2Placement!.dir}/memory.pressure`);
    expect(first.value?.pressure.some?.total).toBeGreaterThan(0n);
    await events.return?.();
  });

  it("a trigger outside the kernel's window rules is refused before anything is opened", async () => {
    const cg = await group();
    for (const windowUs of [100_000, 20_000_000]) {
      expect(() => pressure(cg, "memory", { kind: "some", stallUs: 50_000, windowUs })).toThrow(InvalidValueError);
    }
    expect(() => pressure(cg, "memory", { kind: "some", stallUs: 2_000_000, windowUs: 1_000_000 })).toThrow(/stallUs must not exceed windowUs/);
  });
});
