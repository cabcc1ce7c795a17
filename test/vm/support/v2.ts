// Helpers for the v2 suite inside the VM: test-owned groups under the VM's cgroup2 root,
// processes started inside a group, and polling for the kernel's asynchronous state.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { removeTree, testName } from "../../support/host.js";

export const ROOT = "/sys/fs/cgroup";

/** Controllers the VM's kernel offers at the root. */
export function rootControllers(): string[] {
  return readWords(path.join(ROOT, "cgroup.controllers"));
}

export function readWords(file: string): string[] {
  return fs.readFileSync(file, "utf8").split(/\s+/).filter(Boolean);
}

export function read(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), "utf8");
}

/** One write(2), as the kernel wants it. */
export function write(dir: string, file: string, value: string): void {
  const fd = fs.openSync(path.join(dir, file), fs.constants.O_WRONLY);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flat keyed file (`key value` per line) as numbers. */
export function keyed(dir: string, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of read(dir, file).split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

/** Enable every controller a group offers in its subtree_control. */
export function enableAll(dir: string): string[] {
  const offered = readWords(path.join(dir, "cgroup.controllers"));
  if (offered.length) write(dir, "cgroup.subtree_control", offered.map((c) => `+${c}`).join(" "));
  return offered;
}

const created: string[] = [];

/** A new test-owned group directly under the VM's root, removed by {@link cleanupGroups}. */
export function newGroup(): string {
  const dir = path.join(ROOT, testName());
  fs.mkdirSync(dir);
  created.push(dir);
  return dir;
}

/** Remove `dir` (a test-owned group) in {@link cleanupGroups}, for groups created by the code under test. */
export function track(dir: string): void {
  created.push(dir);
}

export function cleanupGroups(): void {
  const errors: unknown[] = [];
  for (const dir of created.splice(0).reverse()) {
    try {
      removeTree(dir);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, "test groups could not be removed");
}

/** Start `sh -c script` already inside `dir` (it joins the group before running the script). */
export function spawnIn(dir: string, script: string, args: string[] = []): ChildProcess {
  return spawn("/bin/sh", ["-c", `echo $$ > "$0/cgroup.procs" || exit 97; ${script}`, dir, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Pids in a group (`cgroup.procs`). */
export function procs(dir: string): number[] {
  return readWords(path.join(dir, "cgroup.procs")).map(Number);
}

/** Poll `check` until it returns a value other than undefined/false, or fail naming what was awaited. */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
