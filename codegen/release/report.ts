// `npm run api:report`: build, then write this build's API report to etc/cgroupkit.api.md (review the diff, commit it).
// `--check` (CI): leave the committed report alone and fail when the build's differs.
import { build, BUILT_REPORT, extractApi, isMain, REPORT, ROOT, runMain } from "./common.js";

export function updateReport(root: string, options: { build: boolean; check: boolean }): { changed: boolean; problems: readonly string[] } {
  if (options.build) build(root);
  const { reportChanged, problems } = extractApi(root, !options.check);
  return { changed: reportChanged, problems };
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const check = process.argv.includes("--check");
    const { changed, problems } = updateReport(ROOT, { build: !process.argv.includes("--no-build"), check });
    for (const p of problems) console.error(p);
    if (check && changed) console.error(`${REPORT} is not this build's API report (${BUILT_REPORT} is): run npm run api:report, review the diff and commit it`);
    else console.log(`${REPORT}: ${changed ? (check ? "differs" : "updated; review the diff and commit it") : "up to date"}`);
    if (problems.length > 0) console.error(`api-extractor: ${problems.length} problem(s) above; every export needs a release tag (@public, @beta or @internal)`);
    return problems.length > 0 || (check && changed) ? 1 : 0;
  });
}
