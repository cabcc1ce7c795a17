// The spawned-CLI tests run dist/: rebuild it when a source file is newer than the built CLI.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The package's bin: the launcher of the bundled CLI. */
export const CLI_MAIN = path.join(ROOT, "dist/cli/cgroupkit.cjs");

/** Run `npm run build` unless dist/cli is newer than every .ts/.json under src/ and generated/. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : /\.(ts|json)$/.test(e.name) ? fs.statSync(p).mtimeMs : 0);
    }, 0);
  const built = fs.existsSync(CLI_MAIN) ? fs.statSync(CLI_MAIN).mtimeMs : 0;
  if (built >= Math.max(newest(path.join(ROOT, "src")), newest(path.join(ROOT, "generated")))) return;
  const r = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(CLI_MAIN)) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}
