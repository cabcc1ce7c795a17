// The built package (dist/) for tests that spawn or pack it: rebuilt when a source is newer than the build.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The package's bin: the last file `npm run build` writes. */
export const BUILT_CLI = path.join(ROOT, "dist/cli/cgroupkit.cjs");

/** Rebuild dist/ when a source file is newer than the built CLI, so what a test spawns or packs is this tree's. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : /\.(ts|json)$/.test(e.name) ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = fs.existsSync(BUILT_CLI) ? fs.statSync(BUILT_CLI).mtimeMs : 0;
  if (built >= Math.max(newest(path.join(ROOT, "src")), newest(path.join(ROOT, "generated")))) return;
  const r = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(BUILT_CLI)) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}
