// `npm run api:gate`: the bump this build requires against the last release, and whether the pending changesets declare it.
//
//   major  something code written against the last release used is gone or no longer type-checks
//          (a removed export, a retyped return or parameter, a new required member of an interface);
//   minor  the surface grew (new exports or members) or the API report changed (tags, deprecations, signatures);
//   patch  the public API is as released; a changeset is optional.
// No baseline yet (before the first release): minor, since everything is new; 0.0.0 → 0.1.0.
// Also fails when etc/cgroupkit.api.md is not the build's report (`--local` writes it instead, as npm run api:report does),
// when api-extractor finds an error (a missing release tag), or when a new spec entry's api: is not the release it ships in.
// `--no-build`: dist/ is fresh, skip the build.
import * as fs from "node:fs";
import * as path from "node:path";
import { readPendingChangesets, type Declared } from "./changesets.js";
import {
  BASELINE_DTS,
  BASELINE_REPORT,
  build,
  BUILT_DTS,
  BUILT_REPORT,
  BUMP_RANK,
  extractApi,
  GATE_DIR,
  isMain,
  PACKAGE_NAME,
  readIfExists,
  readPackageJson,
  REPORT,
  ReleaseError,
  ROOT,
  runMain,
  type Bump,
} from "./common.js";
import { compareApis, type CompatResult, type Finding } from "./compat.js";
import { nextVersion, specVersionProblems } from "./spec-versions.js";

export interface Assessment {
  readonly bump: Exclude<Bump, "none">;
  /** Why, one line each, most severe first. */
  readonly reasons: readonly { readonly bump: Exclude<Bump, "none">; readonly text: string }[];
}

/** The bump a comparison requires. `compat` undefined: there is no baseline, this is the first release. */
export function assess(compat: CompatResult | undefined, reportDiffersFromBaseline: boolean): Assessment {
  if (!compat) {
    return { bump: "minor", reasons: [{ bump: "minor", text: `no baseline in ${BASELINE_DTS}: first release, the whole surface is new` }] };
  }
  const reasons: { bump: "major" | "minor"; text: string }[] = [];
  for (const name of compat.removed) reasons.push({ bump: "major", text: `export ${name} was removed` });
  const removed = new Set(compat.removed);
  const byCheck = (check: Finding["check"]) => groupByName(compat.findings.filter((f) => f.check === check && !removed.has(f.name)));
  for (const [name, messages] of byCheck("backward")) reasons.push({ bump: "major", text: `${name}: code written against the last release no longer compiles: ${messages}` });
  for (const [name, messages] of byCheck("implementers")) reasons.push({ bump: "major", text: `${name}: interface gained a required member, implementations break: ${messages}` });
  for (const name of compat.added) reasons.push({ bump: "minor", text: `export ${name} was added` });
  for (const [name, messages] of byCheck("forward")) reasons.push({ bump: "minor", text: `${name}: grew or changed: ${messages}` });
  if (reportDiffersFromBaseline) reasons.push({ bump: "minor", text: `the API report differs from the last release's (${BASELINE_REPORT})` });
  const bump = reasons.some((r) => r.bump === "major") ? "major" : reasons.length > 0 ? "minor" : "patch";
  return { bump, reasons };
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

export interface GateResult {
  readonly baselineVersion: string | undefined;
  /** package.json's version, and what the pending changesets make of it. */
  readonly version: string;
  readonly nextVersion: string | undefined;
  readonly required: Assessment;
  readonly declared: Declared;
  /** Reasons the gate fails apart from the bump: a stale report, api-extractor errors. */
  readonly problems: readonly string[];
  readonly pass: boolean;
}

/** The version a baseline was released as, from its first line. */
export function baselineVersion(dts: string): string | undefined {
  return /^\/\/ \S+ (\d+\.\d+\.\d+\S*):/.exec(dts)?.[1];
}

/**
 * `build`: run the build first. `local`: a developer's run, which writes the build's report to
 * etc/cgroupkit.api.md (as npm run api:report does) instead of failing on a stale one.
 */
export function runGate(root: string, options: { build: boolean; local?: boolean }): GateResult {
  if (options.build) build(root);
  const extracted = extractApi(root, options.local === true);
  const problems = [...extracted.problems];
  if (extracted.reportChanged && options.local) {
    console.log(`${REPORT}: updated to this build's report; review the diff and commit it`);
  } else if (extracted.reportChanged) {
    problems.push(`${REPORT} is not this build's API report (${BUILT_REPORT} is): run npm run api:report, review the diff and commit it`);
  }

  const baselineDts = readIfExists(root, BASELINE_DTS);
  let compat: CompatResult | undefined;
  let reportDiffers = false;
  if (baselineDts !== undefined) {
    const baselineReport = readIfExists(root, BASELINE_REPORT);
    if (baselineReport === undefined) throw new ReleaseError(`${BASELINE_DTS} exists but ${BASELINE_REPORT} does not: the baseline is incomplete; rerun the release step`);
    compat = compareApis(baselineDts, fs.readFileSync(path.join(root, BUILT_DTS), "utf8"), path.join(root, GATE_DIR, "types"), path.join(root, "node_modules/@types"));
    reportDiffers = baselineReport !== fs.readFileSync(path.join(root, BUILT_REPORT), "utf8");
  }
  const required = assess(compat, reportDiffers);
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
    baselineVersion: baselineDts === undefined ? undefined : baselineVersion(baselineDts),
    version,
    nextVersion: next,
    required,
    declared,
    problems,
    pass: problems.length === 0,
  };
  fs.mkdirSync(path.join(root, GATE_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, GATE_DIR, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export function printGate(result: GateResult): void {
  const against = result.baselineVersion ? `the last release, ${result.baselineVersion} (${BASELINE_DTS})` : "no baseline (first release)";
  console.log(`api gate: this build against ${against}`);
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
