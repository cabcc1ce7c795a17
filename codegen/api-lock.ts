// The spec is append-only within a major: released entries may be deprecated, never removed or retyped.
import * as fs from "node:fs";
import type { ManifestRecord } from "../src/runtime/manifest.js";

/** What a released entry promised: the shape its accessor has in the public API. */
export interface LockedEntry {
  api: string;
  access: ManifestRecord["access"];
  className: string;
  property: string;
  /** Canonical codec specs (read, write): a change retypes the accessor. */
  read: string;
  write: string | null;
  param: string | null;
}

export interface ApiLock {
  /** The release this lock was taken at. */
  release: string;
  entries: Record<string, LockedEntry>;
}

export const LOCK_PATH = "codegen/api-lock.json";

export function entryKey(r: { version: string; controller: string; file: string }): string {
  return `${r.version}/${r.controller}/${r.file}`;
}

export function readLock(file: string): ApiLock | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ApiLock) : undefined;
}

/** Every way the current spec breaks a released entry, one line each, naming the entry and the release. */
export function lockViolations(lock: ApiLock | undefined, current: ReadonlyMap<string, LockedEntry & { renamedFrom: readonly string[] }>): string[] {
  if (!lock) return [];
  const problems: string[] = [];
  for (const [key, was] of Object.entries(lock.entries)) {
    const now = current.get(key);
    const released = `released in ${was.api} (lock taken at ${lock.release})`;
    if (!now) {
      problems.push(`${key}: removed, but it was ${released}; keep it and mark it deprecated: instead`);
      continue;
    }
    if (now.className !== was.className) problems.push(`${key}: moved from ${was.className} to ${now.className}, but it was ${released}`);
    if (now.property !== was.property && !now.renamedFrom.includes(was.property)) {
      problems.push(`${key}: property ${was.property} became ${now.property}, but it was ${released}; add renamedFrom: [${was.property}]`);
    }
    if (now.read !== was.read) problems.push(`${key}: read codec changed from ${was.read} to ${now.read}, but it was ${released}`);
    if (was.write !== null && now.write !== was.write) problems.push(`${key}: write codec changed from ${was.write} to ${now.write ?? "none"}, but it was ${released}`);
    if (was.access !== now.access && !(was.access === "ro" && now.access === "rw")) {
      problems.push(`${key}: access narrowed from ${was.access} to ${now.access}, but it was ${released}`);
    }
    if (now.param !== was.param) problems.push(`${key}: template parameter changed from ${was.param} to ${now.param}, but it was ${released}`);
  }
  return problems;
}
