// The v2 records of generated/manifest.json: the spec as generated.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ManifestRecord } from "../../../src/runtime/manifest.js";

/** One control file of the spec, as the generator writes it. */
export type SpecRecord = ManifestRecord;

const manifestPath = path.resolve(import.meta.dirname, "../../../generated/manifest.json");

export function v2Records(): SpecRecord[] {
  if (!fs.existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run npm run generate`);
  return (JSON.parse(fs.readFileSync(manifestPath, "utf8")) as SpecRecord[]).filter((r) => r.version === "v2");
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The spec records naming a file on disk: exact names, or templates through their param pattern. */
export function specMatcher(records: readonly SpecRecord[]): (file: string) => { record: SpecRecord; param?: string }[] {
  const exact = new Map(records.filter((r) => !r.param).map((r) => [r.file, r]));
  const templates = records
    .filter((r) => r.param)
    .map((record) => {
      const [before = "", after = ""] = record.file.split(/<[a-z_]+>/);
      return { record, regex: new RegExp(`^${escapeRegex(before)}(${record.param?.pattern ?? "[^/]+"})${escapeRegex(after)}$`) };
    });
  return (file) => {
    const hit = exact.get(file);
    if (hit) return [{ record: hit }];
    return templates.flatMap(({ record, regex }) => {
      const m = regex.exec(file);
      return m ? [{ record, param: m[1]! }] : [];
    });
  };
}

/** Whether the running kernel is at least `version` (`6.12`). */
export function kernelAtLeast(version: string): boolean {
  const running = (os.release().split(/[^0-9.]/)[0] ?? "").split(".").map(Number);
  const wanted = version.split(".").map(Number);
  for (let i = 0; i < wanted.length; i++) {
    const a = running[i] ?? 0;
    const b = wanted[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Access as the mode bits give it. */
export function accessOfMode(mode: number): "ro" | "rw" | "wo" | "none" {
  const r = (mode & 0o444) !== 0;
  const w = (mode & 0o222) !== 0;
  return r && w ? "rw" : r ? "ro" : w ? "wo" : "none";
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
