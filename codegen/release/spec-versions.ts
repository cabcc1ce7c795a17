// Spec entries carry the package version that first shipped them (`api:`). Entries added since the last
// release must name the release they will ship in; released entries keep the version they shipped in.
import * as fs from "node:fs";
import * as path from "node:path";
import { entryKey, LOCK_PATH, readLock } from "../api-lock.js";
import type { ManifestRecord } from "../../src/runtime/manifest.js";
import type { Bump } from "./common.js";

function parse(version: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * The version a release with that bump gets. On 0.x a major (a declared break) is the next minor, as semver's
 * caret reads 0.x: ^0.1.0 accepts 0.1.5 and not 0.2.0, so 0.2.0 is where 0.1 users stop; release:version hands
 * such a changeset to changesets as a minor (which on its own would make 1.0.0). Leaving 0.x is a decision of its
 * own, not a changeset's.
 */
export function nextVersion(current: string, bump: Bump): string {
  const v = parse(current);
  if (!v) throw new Error(`version ${current} is not MAJOR.MINOR.PATCH; pre-releases are not part of this flow`);
  const [major, minor, patch] = v;
  if (bump === "major") return major === 0 ? `0.${minor + 1}.0` : `${major + 1}.0.0`;
  if (bump === "minor") return `${major}.${minor + 1}.0`;
  if (bump === "patch") return `${major}.${minor}.${patch + 1}`;
  return current;
}

export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) throw new Error(`cannot compare versions ${a} and ${b}`);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

function specFileOf(key: string): string {
  const [version, controller, ...file] = key.split("/");
  return `spec/${version}/${controller}.yaml: entry ${file.join("/")}`;
}

/**
 * Problems with the `api:` fields of the spec under `root`, one line each. `next`: the version the pending
 * changesets lead to, when there are any; new entries must name exactly it. Read from generated/manifest.json,
 * which CI and the release step hold in step with the spec (and which loads without the generator).
 */
export function specVersionProblems(root: string, next: string | undefined): string[] {
  const lock = readLock(path.join(root, LOCK_PATH));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "generated/manifest.json"), "utf8")) as ManifestRecord[];
  const problems: string[] = [];
  for (const entry of manifest) {
    const key = entryKey(entry);
    const released = lock?.entries[key];
    if (released) {
      if (entry.api !== released.api) problems.push(`${specFileOf(key)}: api: ${entry.api}, but it shipped in ${released.api} (${LOCK_PATH}); keep ${released.api}`);
      continue;
    }
    if (next !== undefined) {
      if (entry.api !== next) problems.push(`${specFileOf(key)}: api: ${entry.api}, but it is new and ships in ${next}; write api: ${next}`);
    } else if (lock && compareVersions(entry.api, lock.release) <= 0) {
      problems.push(`${specFileOf(key)}: api: ${entry.api}, but it is new since ${lock.release}; write the version it ships in`);
    }
  }
  return problems;
}
