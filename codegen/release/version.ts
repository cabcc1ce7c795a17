// `npm run release:version`: turn the pending changesets into a release.
//   1. generated/ matches the spec, and the API gate passes with a changeset declaring a bump;
//   2. `changeset version`: package.json's version and a CHANGELOG.md entry, the changesets consumed;
//   3. `tsx codegen/main.ts --lock <version>`: the spec's entries as released, so later removals and retypes are refused;
//   4. etc/baseline/: this build's declaration rollup and API report, what the next gate compares against.
// Then review the diff and commit it (package.json, CHANGELOG.md, .changeset/, codegen/api-lock.json, etc/).
import * as fs from "node:fs";
import * as path from "node:path";
import { BASELINE_DTS, BASELINE_REPORT, BUILT_DTS, BUILT_REPORT, isMain, PACKAGE_NAME, readPackageJson, REPORT, ReleaseError, ROOT, runBin, runMain } from "./common.js";
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

  runBin(root, "changeset", ["version"], "changeset version");
  const version = readPackageJson(root).version;
  if (version !== gate.nextVersion) {
    throw new ReleaseError(`changeset version made ${version}, but the gate expected ${gate.nextVersion}; check package.json and CHANGELOG.md before going on`);
  }
  runBin(root, "tsx", ["codegen/main.ts", "--lock", version], "taking the API lock");
  writeBaseline(root, version);
  return { from: gate.version, version };
}

/** The build's rollup and report (temp/api-extractor/, fresh from the gate) become the last release's. */
export function writeBaseline(root: string, version: string): void {
  const report = fs.readFileSync(path.join(root, BUILT_REPORT), "utf8");
  if (report !== fs.readFileSync(path.join(root, REPORT), "utf8")) throw new ReleaseError(`${REPORT} is not this build's report; run npm run api:report first`);
  fs.mkdirSync(path.join(root, path.dirname(BASELINE_DTS)), { recursive: true });
  const header = `// ${PACKAGE_NAME} ${version}: the public API as released (api-extractor's declaration rollup).\n// Written by npm run release:version; npm run api:gate compares every build against it. Do not edit.\n`;
  fs.writeFileSync(path.join(root, BASELINE_DTS), header + fs.readFileSync(path.join(root, BUILT_DTS), "utf8"));
  fs.writeFileSync(path.join(root, BASELINE_REPORT), report);
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const { from, version } = releaseVersion(ROOT, { build: !process.argv.includes("--no-build") });
    console.log(`released ${PACKAGE_NAME} ${from} → ${version}: package.json, CHANGELOG.md, codegen/api-lock.json, ${BASELINE_DTS}, ${BASELINE_REPORT}`);
    console.log("review the diff and commit it");
    return 0;
  });
}
