// The v2 records of generated/manifest.json: the spec as generated.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { accessOfMode, kernelReleaseAtLeast } from "../../../src/cli/spec-coverage.js";
import type { ManifestRecord } from "../../../src/runtime/manifest.js";

export { accessOfMode, specMatcher } from "../../../src/cli/spec-coverage.js";

/** One control file of the spec, as the generator writes it. */
export type SpecRecord = ManifestRecord;

const manifestPath = path.resolve(import.meta.dirname, "../../../generated/manifest.json");

export function v2Records(): SpecRecord[] {
  if (!fs.existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run npm run generate`);
  return (JSON.parse(fs.readFileSync(manifestPath, "utf8")) as SpecRecord[]).filter((r) => r.version === "v2");
}

/** Whether the running kernel is at least `version` (`6.12`). */
export function kernelAtLeast(version: string): boolean {
  return kernelReleaseAtLeast(os.release(), version);
}

/** Control files of one cgroup directory with their access from mode bits. */
export function listControlFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) out.set(entry.name, accessOfMode(fs.statSync(path.join(dir, entry.name)).mode));
  }
  return out;
}

/**
 * Files whose write support arrived after the file itself. The spec records the newest access;
 * an older kernel shows them read-only. File → first kernel where they are writable.
 */
export const WRITABLE_SINCE: Readonly<Record<string, string>> = {
  // "memcg: add per-fd memory.peak reset" (6.12) made both peaks writable.
  "memory.peak": "6.12",
  "memory.swap.peak": "6.12",
};

/**
 * Files that appeared at the root after they existed in children. The spec records the newest
 * `where`; an older kernel shows them in children only. File → a kernel known to show it at the root.
 */
export const AT_ROOT_SINCE: Readonly<Record<string, string>> = {
  // 6.1 shows misc.current only in children; 6.12 shows it at the root too.
  "misc.current": "6.12",
};
