// `npm run release:first`: make (or make again) the first release, 0.0.0 → 0.1.0, from the tree as it is now.
//
// Until a second release exists the first one may be redone as the surface settles: this puts the tree back
// to "nothing released" (package.json 0.0.0, no CHANGELOG.md, no codegen/api-lock.json, no etc/baseline/),
// writes the minor changeset .changeset/first-release.md, refreshes the reports in etc/ and runs the same
// release step as every later release (npm run release:version). Refuses once a later release exists.
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCK_PATH } from "../api-lock.js";
import { readPendingChangesets } from "./changesets.js";
import { BASELINE_DIR, build, extractApi, isMain, PACKAGE_NAME, readIfExists, readPackageJson, ReleaseError, ROOT, runMain } from "./common.js";
import { releaseVersion } from "./version.js";

export const FIRST_VERSION = "0.1.0";
const CHANGESET = ".changeset/first-release.md";

export function firstRelease(root: string): void {
  const { version } = readPackageJson(root);
  const changelog = readIfExists(root, "CHANGELOG.md");
  const released = changelog === undefined ? [] : [...changelog.matchAll(/^## (\S+)/gm)].map((m) => m[1]);
  if (version !== "0.0.0" && version !== FIRST_VERSION) throw new ReleaseError(`package.json says ${version}: a release after ${FIRST_VERSION} exists; the first release can no longer be redone`);
  if (released.some((v) => v !== FIRST_VERSION)) throw new ReleaseError(`CHANGELOG.md lists ${released.join(", ")}: a release after ${FIRST_VERSION} exists; the first release can no longer be redone`);
  const pending = readPendingChangesets(root, PACKAGE_NAME);
  const other = pending.changesets.filter((c) => c.file !== CHANGESET && c.bump !== "none" && c.bump !== "patch" && c.bump !== "minor");
  if (other.length > 0) throw new ReleaseError(`${other.map((c) => c.file).join(", ")} declare ${other.map((c) => c.bump).join(", ")}; the first release is ${FIRST_VERSION}, a minor`);

  // Back to "nothing released".
  setVersion(root, "0.0.0");
  for (const rel of ["CHANGELOG.md", LOCK_PATH, BASELINE_DIR]) fs.rmSync(path.join(root, rel), { recursive: true, force: true });
  fs.writeFileSync(path.join(root, CHANGESET), `---\n"${PACKAGE_NAME}": minor\n---\n\n${summary(root)}\n`);

  try {
    build(root);
    const problems = extractApi(root, true).flatMap((r) => r.problems);
    if (problems.length > 0) throw new ReleaseError(`api-extractor:\n  ${problems.join("\n  ")}`);
    const { version: now } = releaseVersion(root, { build: false });
    if (now !== FIRST_VERSION) throw new ReleaseError(`the first release came out as ${now}, not ${FIRST_VERSION}`);
  } catch (err) {
    if (err instanceof ReleaseError) {
      throw new ReleaseError(`${err.message}\nthe tree is back at "nothing released" (0.0.0, ${CHANGESET} pending); fix the above and rerun npm run release:first`);
    }
    throw err;
  }
}

/** Only the version field changes; the rest of package.json keeps its bytes. */
function setVersion(root: string, version: string): void {
  const file = path.join(root, "package.json");
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(/^(\s*"version"\s*:\s*")[^"]*(")/m, `$1${version}$2`);
  if (JSON.parse(next).version !== version) throw new ReleaseError("could not set the version in package.json");
  fs.writeFileSync(file, next);
}

/** The CHANGELOG entry of the first release: what the spec covers, counted from generated/manifest.json. */
function summary(root: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "generated/manifest.json"), "utf8")) as { version: string; controller: string }[];
  const part = (v: string) => {
    const mine = manifest.filter((r) => r.version === v);
    const controllers = [...new Set(mine.map((r) => r.controller))].sort();
    return `cgroup ${v}: ${mine.length} files of ${controllers.join(", ")}`;
  };
  return [
    `First release of ${PACKAGE_NAME}: typed accessors for ${manifest.length} control files generated from spec/ (${part("v1")}; ${part("v2")}),`,
    "values validated before any write, typed errors, with the library and CLI README.md describes.",
    "Its public API (etc/cgroupkit.api.md) is the baseline later releases are checked against: new control files arrive in minor releases,",
    "and nothing released is removed or retyped within a major.",
  ].join("\n");
}

if (isMain(import.meta.url)) {
  runMain(() => {
    firstRelease(ROOT);
    console.log(`first release done: ${PACKAGE_NAME} ${FIRST_VERSION}; review the diff and commit package.json, CHANGELOG.md, .changeset/, codegen/api-lock.json, etc/`);
    return 0;
  });
}
