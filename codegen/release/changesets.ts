// The bump the pending changesets declare: read from .changeset/*.md, the files `changeset version` consumes.
//
// Read here rather than through `changeset status`: status also diffs the working tree against the base
// branch and refuses a dirty tree without a changeset, which says nothing about the API; the gate must judge
// a fresh clone and a developer's tree alike. The format is changesets' own: YAML front matter mapping
// package names to major|minor|patch|none, then the summary that becomes the CHANGELOG entry.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { BUMP_RANK, ReleaseError, type Bump } from "./common.js";

export interface PendingChangeset {
  /** Repository-relative path, `.changeset/<id>.md`. */
  readonly file: string;
  readonly bump: Bump;
  readonly summary: string;
}

export interface Declared {
  /** The largest bump any pending changeset declares for the package; none when there are none. */
  readonly bump: Bump;
  readonly changesets: readonly PendingChangeset[];
}

const BUMPS = new Set<Bump>(["major", "minor", "patch", "none"]);

export function readPendingChangesets(root: string, packageName: string): Declared {
  const dir = path.join(root, ".changeset");
  const changesets: PendingChangeset[] = [];
  const problems: string[] = [];
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".md") && n !== "README.md").sort() : [];
  for (const name of names) {
    const rel = `.changeset/${name}`;
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    const match = /^---[ \t]*\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)([\s\S]*)$/m.exec(text);
    if (!match || !text.startsWith("---")) {
      problems.push(`${rel}: no front matter (a changeset starts with ---, the package and its bump, ---)`);
      continue;
    }
    let front: unknown;
    try {
      front = parseYaml(match[1] ?? "") ?? {};
    } catch (err) {
      problems.push(`${rel}: front matter is not YAML: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    if (typeof front !== "object" || front === null || Array.isArray(front)) {
      problems.push(`${rel}: front matter must map package names to bumps`);
      continue;
    }
    let bump: Bump = "none";
    for (const [pkg, value] of Object.entries(front)) {
      if (pkg !== packageName) problems.push(`${rel}: names package ${JSON.stringify(pkg)}; this repository releases only ${packageName}`);
      else if (typeof value !== "string" || !BUMPS.has(value as Bump)) problems.push(`${rel}: ${pkg}: ${JSON.stringify(value)} is not major, minor, patch or none`);
      else bump = value as Bump;
    }
    changesets.push({ file: rel, bump, summary: (match[2] ?? "").trim() });
  }
  if (problems.length > 0) throw new ReleaseError(`pending changesets are invalid:\n  ${problems.join("\n  ")}`);
  const bump = changesets.reduce<Bump>((max, c) => (BUMP_RANK[c.bump] > BUMP_RANK[max] ? c.bump : max), "none");
  return { bump, changesets };
}

/** The mark a break released as a minor carries in the CHANGELOG (see breaksAsMinor). */
export const BREAKING_MARK = "**Breaking:**";

/**
 * Rewrites the pending `major` changesets as minor ones whose summary starts with {@link BREAKING_MARK}, for
 * `changeset version` on 0.x: changesets would release a major as 1.0.0, but on 0.x a break is the next minor
 * (semver's caret: ^0.1.0 takes 0.1.x and not 0.2.0). The CHANGELOG still says which entries broke something.
 * Returns a function that puts the files back (for a `changeset version` that fails).
 */
export function breaksAsMinor(root: string, packageName: string): () => void {
  const originals = new Map<string, string>();
  for (const c of readPendingChangesets(root, packageName).changesets) {
    if (c.bump !== "major") continue;
    const file = path.join(root, c.file);
    originals.set(file, fs.readFileSync(file, "utf8"));
    const summary = c.summary.startsWith(BREAKING_MARK) ? c.summary : `${BREAKING_MARK} ${c.summary}`;
    fs.writeFileSync(file, `---\n${JSON.stringify(packageName)}: minor\n---\n\n${summary}\n`);
  }
  return () => {
    for (const [file, text] of originals) fs.writeFileSync(file, text);
  };
}
