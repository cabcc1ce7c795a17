// `npm run release:version`: turn the pending changesets into a release.
//   1. generated/ matches the spec, and the API gate passes with a changeset declaring a bump;
//   2. `changeset version`: package.json's version and a CHANGELOG.md entry, the changesets consumed; on 0.x a
//      `major` changeset (a declared break) is handed to changesets as a minor, its entry marked **Breaking:**, so that
//      0.1.0 becomes 0.2.0 as semver's caret reads 0.x (^0.1.0 does not accept 0.2.0), not 1.0.0;
//   3. `tsx codegen/main.ts --lock <version>`: the spec's entries as released, so later removals and retypes are refused;
//   4. etc/baseline/: each entry point's declaration rollup and API report, what the next gate compares against.
// Then review the diff and commit it (package.json, CHANGELOG.md, .changeset/, codegen/api-lock.json, etc/).
import * as fs from "node:fs";
import * as path from "node:path";
import { breaksAsMinor } from "./changesets.js";
import { BASELINE_DIR, entryPoints, isMain, PACKAGE_NAME, readPackageJson, ReleaseError, ROOT, runBin, runMain } from "./common.js";
import { printGate, runGate } from "./gate.js";

export interface Released {
  readonly from: string;
  readonly version: string;
}

export function releaseVersion(root: string, options: { build: boolean }): Released {
  runBin(root, "tsx", ["codegen/main.ts", "--check"], "the generated-code check");
  const gate = runGate(root, options);
  printGate(gate);
  if (!gate.pass) throw new ReleaseError("release:version: the API gate fails; nothing was changed");
  if (gate.declared.bump === "none") throw new ReleaseError("release:version: no pending changeset declares a bump; nothing to release (npx changeset)");

  // changesets releases a major on 0.x as 1.0.0; a break on 0.x is the next minor (see nextVersion).
  const restore = readPackageJson(root).version.startsWith("0.") ? breaksAsMinor(root, PACKAGE_NAME) : () => {};
  try {
    runBin(root, "changeset", ["version"], "changeset version");
  } catch (err) {
    restore();
    throw err;
  }
  const version = readPackageJson(root).version;
  if (version !== gate.nextVersion) {
    throw new ReleaseError(`changeset version made ${version}, but the gate expected ${gate.nextVersion}; check package.json and CHANGELOG.md before going on`);
  }
  runBin(root, "tsx", ["codegen/main.ts", "--lock", version], "taking the API lock");
  writeBaseline(root, version);
  return { from: gate.version, version };
}

/** Each entry point's rollup and report (temp/api-extractor/, fresh from the gate) become the last release's. */
export function writeBaseline(root: string, version: string): void {
  const entries = entryPoints(root);
  for (const e of entries) {
    const report = fs.readFileSync(path.join(root, e.builtReport), "utf8");
    if (report !== fs.readFileSync(path.join(root, e.report), "utf8")) throw new ReleaseError(`${e.report} is not this build's report of ${e.specifier}; run npm run api:report first`);
  }
  // The baseline is the release's entry points and nothing else: an entry point dropped since goes with its files.
  fs.rmSync(path.join(root, BASELINE_DIR), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, BASELINE_DIR), { recursive: true });
  for (const e of entries) {
    const header = `// ${e.specifier} ${version}: the public API as released (api-extractor's declaration rollup).\n// Written by npm run release:version; npm run api:gate compares every build against it. Do not edit.\n`;
    fs.writeFileSync(path.join(root, e.baselineDts), header + fs.readFileSync(path.join(root, e.builtDts), "utf8"));
    fs.writeFileSync(path.join(root, e.baselineReport), fs.readFileSync(path.join(root, e.builtReport), "utf8"));
  }
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const { from, version } = releaseVersion(ROOT, { build: !process.argv.includes("--no-build") });
    console.log(`released ${PACKAGE_NAME} ${from} → ${version}: package.json, CHANGELOG.md, codegen/api-lock.json, ${BASELINE_DIR}/`);
    console.log("review the diff and commit it");
    return 0;
  });
}
