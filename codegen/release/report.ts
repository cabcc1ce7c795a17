// `npm run api:report`: build, then write this build's API report of every entry point to etc/ (etc/cgroupkit.api.md,
// etc/cgroupkit-ebpf.api.md, …; review the diff, commit them). `--check` (CI): leave the committed reports alone and
// fail when a build's report differs.
import { build, extractApi, isMain, ROOT, runMain, type ExtractResult } from "./common.js";

export function updateReport(root: string, options: { build: boolean; check: boolean }): readonly ExtractResult[] {
  if (options.build) build(root);
  return extractApi(root, !options.check);
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const check = process.argv.includes("--check");
    const results = updateReport(ROOT, { build: !process.argv.includes("--no-build"), check });
    let failed = false;
    for (const { entry, reportChanged, problems } of results) {
      for (const p of problems) console.error(p);
      if (check && reportChanged) console.error(`${entry.report} is not this build's API report of ${entry.specifier} (${entry.builtReport} is): run npm run api:report, review the diff and commit it`);
      else console.log(`${entry.report}: ${reportChanged ? (check ? "differs" : "updated; review the diff and commit it") : "up to date"}`);
      if (problems.length > 0) console.error(`api-extractor: ${problems.length} problem(s) above in ${entry.specifier}; every export needs a release tag (@public, @beta or @internal)`);
      failed ||= problems.length > 0 || (check && reportChanged);
    }
    return failed ? 1 : 0;
  });
}
