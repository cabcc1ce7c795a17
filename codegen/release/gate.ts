// `npm run api:gate`: the bump this build requires against the last release, and whether the pending changesets declare it.
//
// Every entry point of package.json "exports" (cgroupkit, cgroupkit/ebpf, …) is compared with its own baseline
// (etc/baseline/<id>.d.ts); the package's bump is the largest:
//   major  something code written against the last release used is gone or no longer type-checks
//          (a removed export or entry point, a retyped return or parameter, a new required member of an interface);
//   minor  the surface grew (new exports, members or entry points; a union that only ever goes into the library
//          gained members) or the API report changed (tags, deprecations, signatures);
//   patch  the public API is as released; a changeset is optional.
// No baseline yet (before the first release): minor, since everything is new; 0.0.0 → 0.1.0.
// Also fails when a report in etc/ is not the build's (`--local` writes it instead, as npm run api:report does),
// when api-extractor finds an error (a missing release tag), or when a new spec entry's api: is not the release it ships in.
// `--no-build`: dist/ is fresh, skip the build.
import * as fs from "node:fs";
import * as path from "node:path";
import { readPendingChangesets, type Declared } from "./changesets.js";
import {
  BASELINE_DIR,
  build,
  BUMP_RANK,
  extractApi,
  GATE_DIR,
  isMain,
  PACKAGE_NAME,
  readIfExists,
  readPackageJson,
  ReleaseError,
  ROOT,
  runMain,
  type Bump,
  type EntryPoint,
} from "./common.js";
import { compareApis, rollupExports, type CompatResult, type Finding } from "./compat.js";
import { nextVersion, specVersionProblems } from "./spec-versions.js";

export interface Reason {
  readonly bump: Exclude<Bump, "none">;
  readonly text: string;
}

export interface Assessment {
  readonly bump: Exclude<Bump, "none">;
  /** Why, one line each, most severe first. */
  readonly reasons: readonly Reason[];
}

/**
 * The bump one entry point's comparison requires. `compat` undefined: there is no baseline, this is the first
 * release. `movedTo`: where a name the entry lost is exported now (another entry point), for the message.
 */
export function assess(compat: CompatResult | undefined, reportDiffersFromBaseline: boolean, movedTo: ReadonlyMap<string, string> = new Map()): Assessment {
  if (!compat) {
    return { bump: "minor", reasons: [{ bump: "minor", text: "no baseline: first release, the whole surface is new" }] };
  }
  const reasons: Reason[] = [];
  for (const name of compat.removed) reasons.push({ bump: "major", text: `export ${name} was removed${movedTo.has(name) ? ` (now exported by ${movedTo.get(name)})` : ""}` });
  const removed = new Set(compat.removed);
  const byCheck = (check: Finding["check"]) => groupByName(compat.findings.filter((f) => f.check === check && !removed.has(f.name)));
  for (const [name, messages] of byCheck("backward")) reasons.push({ bump: "major", text: `${name}: code written against the last release no longer compiles: ${messages}` });
  for (const [name, messages] of byCheck("implementers")) reasons.push({ bump: "major", text: `${name}: interface gained a required member, implementations break: ${messages}` });
  for (const name of compat.added) reasons.push({ bump: "minor", text: `export ${name} was added` });
  for (const [name, messages] of byCheck("widened-input")) reasons.push({ bump: "minor", text: `${name}: union gained members and is only ever an input (parameters, options), so old calls still compile: ${messages}` });
  for (const [name, messages] of byCheck("forward")) reasons.push({ bump: "minor", text: `${name}: grew or changed: ${messages}` });
  if (reportDiffersFromBaseline) reasons.push({ bump: "minor", text: "the API report differs from the last release's" });
  return { bump: maxBump(reasons), reasons };
}

function maxBump(reasons: readonly Reason[]): Exclude<Bump, "none"> {
  return reasons.some((r) => r.bump === "major") ? "major" : reasons.length > 0 ? "minor" : "patch";
}

function groupByName(findings: readonly Finding[]): Map<string, string> {
  const grouped = new Map<string, string[]>();
  for (const f of findings) grouped.set(f.name, [...(grouped.get(f.name) ?? []), f.message]);
  // The compiler's most specific line is usually the last of its chain; keep it short.
  return new Map([...grouped].map(([name, messages]) => [name, shorten(messages.at(-1)!.split("\n").at(-1)!.trim())]));
}

function shorten(text: string, max = 220): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One entry point against its baseline. */
export interface EntryVerdict {
  readonly specifier: string;
  /** Its baseline rollup, when the last release had this entry point. */
  readonly baseline: string | undefined;
  readonly required: Assessment;
}

export interface GateResult {
  readonly baselineVersion: string | undefined;
  /** package.json's version, and what the pending changesets make of it. */
  readonly version: string;
  readonly nextVersion: string | undefined;
  /** The whole package: the largest of the entry points' bumps, every reason prefixed with its entry point's specifier. */
  readonly required: Assessment;
  readonly entries: readonly EntryVerdict[];
  readonly declared: Declared;
  /** Reasons the gate fails apart from the bump: a stale report, api-extractor errors. */
  readonly problems: readonly string[];
  readonly pass: boolean;
}

/** The version a baseline was released as, from its first line. */
export function baselineVersion(dts: string): string | undefined {
  return /^\/\/ \S+ (\d+\.\d+\.\d+\S*):/.exec(dts)?.[1];
}

/** Entry points the last release had (a rollup in etc/baseline/) and this build lacks. */
function droppedEntryPoints(root: string, entries: readonly EntryPoint[]): string[] {
  const dir = path.join(root, BASELINE_DIR);
  if (!fs.existsSync(dir)) return [];
  const ids = new Set(entries.map((e) => e.id));
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".d.ts") && !ids.has(f.slice(0, -".d.ts".length)))
    .map((f) => f.slice(0, -".d.ts".length))
    .sort();
}

/**
 * `build`: run the build first. `local`: a developer's run, which writes the build's reports to
 * etc/ (as npm run api:report does) instead of failing on a stale one.
 */
export function runGate(root: string, options: { build: boolean; local?: boolean }): GateResult {
  if (options.build) build(root);
  const extracted = extractApi(root, options.local === true);
  const problems: string[] = [];
  for (const e of extracted) {
    problems.push(...e.problems);
    if (e.reportChanged && options.local) {
      console.log(`${e.entry.report}: updated to this build's report; review the diff and commit it`);
    } else if (e.reportChanged) {
      problems.push(`${e.entry.report} is not this build's API report of ${e.entry.specifier} (${e.entry.builtReport} is): run npm run api:report, review the diff and commit it`);
    }
  }

  const entries = extracted.map((e) => e.entry);
  // Where each name of this build is exported, for "moved to" messages.
  const exportedBy = new Map<string, string[]>();
  for (const e of entries) for (const name of rollupExports(fs.readFileSync(path.join(root, e.builtDts), "utf8"))) exportedBy.set(name, [...(exportedBy.get(name) ?? []), e.specifier]);
  const rootBaseline = readIfExists(root, entries[0]!.baselineDts);
  const verdicts: EntryVerdict[] = [];
  for (const entry of entries) {
    const baselineDts = readIfExists(root, entry.baselineDts);
    let required: Assessment;
    if (baselineDts === undefined) {
      required =
        rootBaseline === undefined
          ? assess(undefined, false)
          : { bump: "minor", reasons: [{ bump: "minor", text: `new entry point (no baseline in ${entry.baselineDts}): its whole surface is new` }] };
    } else {
      const baselineReport = readIfExists(root, entry.baselineReport);
      if (baselineReport === undefined) throw new ReleaseError(`${entry.baselineDts} exists but ${entry.baselineReport} does not: the baseline is incomplete; rerun the release step`);
      const compat = compareApis(baselineDts, fs.readFileSync(path.join(root, entry.builtDts), "utf8"), path.join(root, GATE_DIR, "types", entry.id), path.join(root, "node_modules/@types"));
      const movedTo = new Map(compat.removed.filter((n) => exportedBy.has(n)).map((n) => [n, exportedBy.get(n)!.join(", ")]));
      required = assess(compat, baselineReport !== fs.readFileSync(path.join(root, entry.builtReport), "utf8"), movedTo);
    }
    verdicts.push({ specifier: entry.specifier, baseline: baselineDts === undefined ? undefined : entry.baselineDts, required });
  }
  const reasons: Reason[] = verdicts.flatMap((v) => v.required.reasons.map((r) => ({ bump: r.bump, text: `${v.specifier}: ${r.text}` })));
  for (const id of droppedEntryPoints(root, entries)) {
    const specifier = id === PACKAGE_NAME ? PACKAGE_NAME : `${PACKAGE_NAME}/${id.slice(PACKAGE_NAME.length + 1)}`;
    reasons.unshift({ bump: "major", text: `${specifier}: the entry point was removed (${BASELINE_DIR}/${id}.d.ts has no entry in package.json exports)` });
  }
  reasons.sort((a, b) => BUMP_RANK[b.bump] - BUMP_RANK[a.bump]);
  const required: Assessment = { bump: maxBump(reasons), reasons };
  const declared = readPendingChangesets(root, PACKAGE_NAME);
  // A patch requires nothing: no changeset is needed when the public API is as released.
  const enough = required.bump === "patch" || BUMP_RANK[declared.bump] >= BUMP_RANK[required.bump];
  if (!enough) {
    problems.push(
      declared.changesets.length === 0
        ? `no pending changeset; this change needs a ${required.bump} one: npx changeset (choose ${required.bump})`
        : `the pending changesets declare ${declared.bump}; this change needs ${required.bump}: edit the changeset or add one with npx changeset`,
    );
  }
  const version = readPackageJson(root).version;
  const next = declared.bump === "none" ? undefined : nextVersion(version, declared.bump);
  problems.push(...specVersionProblems(root, next));
  const result: GateResult = {
    baselineVersion: rootBaseline === undefined ? undefined : baselineVersion(rootBaseline),
    version,
    nextVersion: next,
    required,
    entries: verdicts,
    declared,
    problems,
    pass: problems.length === 0,
  };
  fs.mkdirSync(path.join(root, GATE_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, GATE_DIR, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export function printGate(result: GateResult): void {
  const against = result.baselineVersion ? `the last release, ${result.baselineVersion} (${BASELINE_DIR}/)` : "no baseline (first release)";
  console.log(`api gate: this build against ${against}; entry points ${result.entries.map((e) => e.specifier + (e.baseline ? "" : " (new)")).join(", ")}`);
  for (const r of result.required.reasons) console.log(`  ${r.bump}: ${r.text}`);
  console.log(`required bump: ${result.required.bump}${result.required.bump === "patch" ? " (the public API is as released; a changeset is optional)" : ""}`);
  const files = result.declared.changesets.map((c) => `${c.file}: ${c.bump}`).join(", ");
  console.log(`declared bump: ${result.declared.bump}${files ? ` (${files})` : " (no pending changesets)"}${result.nextVersion ? `: ${result.version} → ${result.nextVersion}` : ""}`);
  for (const p of result.problems) console.log(`  problem: ${p}`);
  console.log(`api gate: ${result.pass ? "PASS" : "FAIL"}`);
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const result = runGate(ROOT, { build: !process.argv.includes("--no-build"), local: process.argv.includes("--local") });
    printGate(result);
    return result.pass ? 0 : 1;
  });
}
