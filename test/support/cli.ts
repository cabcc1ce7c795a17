// The built CLI as a user runs it: the package's bin, spawned from dist/; built once per test run, before any worker starts.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The package's bin: the launcher of the bundled CLI. */
export const MAIN = path.join(ROOT, "dist/cli/cgroupkit.cjs");

export interface Result {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built CLI (or another command line) and collect its output. */
export function spawnCollect(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, uid: options.uid, gid: options.gid, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    // A command that exits without reading its stdin makes this write fail with EPIPE: that is its business.
    child.stdin.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") reject(err);
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Rebuild dist/ (`npm run build`) when a source file is newer than the built CLI, so the spawned binary is
 * this tree's. Called by the run's global setup only: a build while test files spawn the CLI would let them
 * load half-written files, so a test worker that finds the build stale fails instead of building.
 */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : /\.(ts|json)$/.test(e.name) ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = fs.existsSync(MAIN) ? fs.statSync(MAIN).mtimeMs : 0;
  if (built >= Math.max(newest(path.join(ROOT, "src")), newest(path.join(ROOT, "generated")), fs.statSync(path.join(ROOT, "codegen/bundle-cli.ts")).mtimeMs)) return;
  if (process.env.VITEST_WORKER_ID !== undefined) throw new Error(`${MAIN} is older than the sources: the test run's global setup builds it (npm run build)`);
  const r = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(MAIN)) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

/**
 * A world-readable copy of the build, for running the CLI as another uid: the checkout may sit in a
 * directory only root can enter (CI clones anywhere). Returns the copy's main.js and its remover.
 */
export function worldReadableBuild(): { main: string; dispose: () => void } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-cli-"));
  fs.chmodSync(copy, 0o755);
  fs.cpSync(path.join(ROOT, "dist"), path.join(copy, "dist"), { recursive: true });
  fs.cpSync(path.join(ROOT, "package.json"), path.join(copy, "package.json"));
  fs.cpSync(path.join(ROOT, "generated/manifest.json"), path.join(copy, "generated/manifest.json"));
  return { main: path.join(copy, path.relative(ROOT, MAIN)), dispose: () => fs.rmSync(copy, { recursive: true, force: true }) };
}
