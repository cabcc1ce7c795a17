// Limits the kernel enforces: a memory limit that OOM-kills, a pids limit that stops a fork bomb.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanupGroups, enableAll, exited, keyed, newGroup, procs, read, ROOT, spawnIn, until, write } from "./support/v2.js";

afterEach(cleanupGroups);
beforeAll(() => enableAll(ROOT));

const MiB = 1024 * 1024;

describe("memory.max", () => {
  it("OOM-kills a process that allocates past the limit, and memory.events counts it", async () => {
    const group = newGroup();
    const limit = 128 * MiB;
    write(group, "memory.max", String(limit));
    write(group, "memory.swap.max", "0");
    expect(read(group, "memory.max").trim()).toBe(String(limit));
    // Touch every page (fill with 1s) so the memory is really charged; report progress on stdout.
    const allocate = `const held = []; for (let i = 1; i <= 2048; i++) { held.push(Buffer.alloc(1 << 20, 1)); if (i % 16 === 0) console.log(i); }`;
    const child = spawnIn(group, `exec "$1" -e "$2"`, [process.execPath, allocate]);
    let reported = 0;
    child.stdout!.on("data", (d: Buffer) => {
      for (const n of d.toString().split("\n").filter(Boolean)) reported = Number(n);
    });
    const { signal, code } = await exited(child);
    expect({ signal, code }).toEqual({ signal: "SIGKILL", code: null });
    expect(reported, "MiB allocated before the kill").toBeGreaterThan(16);
    expect(reported).toBeLessThan(128);
    const events = keyed(group, "memory.events");
    expect(events.oom_kill).toBeGreaterThanOrEqual(1);
    expect(events.oom).toBeGreaterThanOrEqual(1);
    expect(events.max).toBeGreaterThanOrEqual(1);
    const peak = Number(read(group, "memory.peak").trim());
    expect(peak).toBeGreaterThan(64 * MiB);
    expect(peak).toBeLessThanOrEqual(limit);
  });

  it("with memory.oom.group 1 the whole group dies together", async () => {
    const group = newGroup();
    write(group, "memory.max", String(96 * MiB));
    write(group, "memory.swap.max", "0");
    write(group, "memory.oom.group", "1");
    const bystander = spawnIn(group, "exec sleep 600");
    await until("the bystander to join", () => procs(group).includes(bystander.pid!));
    const hog = spawnIn(group, `exec "$1" -e "$2"`, [process.execPath, "const h = []; for (;;) h.push(Buffer.alloc(1 << 20, 1));"]);
    const [hogExit, bystanderExit] = await Promise.all([exited(hog), exited(bystander)]);
    expect(hogExit.signal).toBe("SIGKILL");
    expect(bystanderExit.signal).toBe("SIGKILL");
    const events = keyed(group, "memory.events");
    expect(events.oom_group_kill).toBeGreaterThanOrEqual(1);
    expect(events.oom_kill).toBeGreaterThanOrEqual(2);
  });
});

describe("pids.max", () => {
  it("stops a fork bomb at the limit; pids.events counts the refused forks", async () => {
    const group = newGroup();
    const limit = 24;
    write(group, "pids.max", String(limit));
    expect(read(group, "pids.max").trim()).toBe(String(limit));
    // Each copy starts two more and waits; a copy whose fork fails exits, so the bomb churns at the limit.
    const bomb = spawnIn(group, "bomb() { bomb & bomb & wait; }; bomb 2>/dev/null");
    try {
      await until("the bomb to hit the limit", () => keyed(group, "pids.events").max! > 0);
      let highest = 0;
      for (let i = 0; i < 20; i++) {
        highest = Math.max(highest, Number(read(group, "pids.current").trim()));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(highest).toBeLessThanOrEqual(limit);
      expect(highest).toBeGreaterThan(limit / 2);
      expect(Number(read(group, "pids.peak").trim())).toBe(limit);
    } finally {
      write(group, "cgroup.kill", "1");
    }
    // The first shell may already have exited (its own fork failed); the rest of the bomb dies by cgroup.kill.
    await exited(bomb);
    await until("the bomb to be gone", () => keyed(group, "cgroup.events").populated === 0);
    expect(keyed(group, "pids.events").max).toBeGreaterThan(0);
  });
});
