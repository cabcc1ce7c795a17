// Paths, the build and api-extractor, shared by the release scripts (report, gate, version, pack check).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Extractor, ExtractorConfig, ExtractorLogLevel } from "@microsoft/api-extractor";

/** The repository these scripts live in (a copy of the repository runs its own copy of them). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const PACKAGE_NAME = "cgroupkit";
/** Committed api-extractor report of the current tree. */
export const REPORT = `etc/${PACKAGE_NAME}.api.md`;
/** The last release: its declaration rollup and its report. */
export const BASELINE_DTS = `etc/baseline/${PACKAGE_NAME}.d.ts`;
export const BASELINE_REPORT = `etc/baseline/${PACKAGE_NAME}.api.md`;
/** Where api-extractor writes this build's report and rollup (see api-extractor.json). */
export const BUILT_REPORT = `temp/api-extractor/${PACKAGE_NAME}.api.md`;
export const BUILT_DTS = `temp/api-extractor/${PACKAGE_NAME}.d.ts`;
/** Generated type tests and the gate's verdict. */
export const GATE_DIR = "temp/api-gate";

export type Bump = "none" | "patch" | "minor" | "major";
export const BUMP_RANK: Readonly<Record<Bump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };

export function readPackageJson(root: string): { name: string; version: string } & Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string; version: string };
}

/** Runs a command in the repository; its output goes to ours. Throws with the command line when it fails. */
export function run(root: string, command: string, args: readonly string[], what: string): void {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new ReleaseError(`${what} failed: ${[command, ...args].join(" ")} exited with ${result.status ?? result.signal}`);
}

/** A tool that lives in node_modules, run with this Node. */
export function runBin(root: string, bin: "tsc" | "changeset" | "tsx", args: readonly string[], what: string): void {
  const entry = { tsc: "typescript/bin/tsc", changeset: "@changesets/cli/bin.js", tsx: "tsx/dist/cli.mjs" }[bin];
  run(root, process.execPath, [path.join(root, "node_modules", entry), ...args], what);
}

/** `npm run build`: dist/src and dist/generated with their declarations. */
export function build(root: string): void {
  run(root, "npm", ["run", "-s", "build"], "the build");
}

/** A failure the scripts explain in one message; no stack trace for it. */
export class ReleaseError extends Error {
  override name = "ReleaseError";
}

/** api-extractor's notices that the report changed, was created or is missing: reportChanged says it instead. */
const REPORT_NOTICES = new Set(["console-api-report-not-copied", "console-api-report-copied", "console-api-report-created", "console-api-report-diff"]);

export interface ExtractResult {
  /** Errors and warnings api-extractor raised (missing release tags, compiler errors), formatted. */
  readonly problems: readonly string[];
  /** The build's report differs from etc/cgroupkit.api.md (in a local run: and the committed one was updated). */
  readonly reportChanged: boolean;
  /** The committed report did not exist before this run. */
  readonly reportWasMissing: boolean;
}

/**
 * Runs api-extractor on dist/ (build first). `local`: update etc/cgroupkit.api.md (a developer's run);
 * otherwise leave it alone and say whether it differs (CI). Either way this build's report and
 * declaration rollup land in temp/api-extractor/.
 */
export function extractApi(root: string, local: boolean): ExtractResult {
  if (!fs.existsSync(path.join(root, "dist/src/index.d.ts"))) throw new ReleaseError("dist/src/index.d.ts is missing: the build did not run or did not emit declarations");
  const reportWasMissing = !fs.existsSync(path.join(root, REPORT));
  for (const dir of ["temp/api-extractor", path.dirname(REPORT)]) fs.mkdirSync(path.join(root, dir), { recursive: true });
  const config = ExtractorConfig.loadFileAndPrepare(path.join(root, "api-extractor.json"));
  const problems: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: local,
    messageCallback: (message) => {
      // The report's own "it changed" notice is reported by the caller; the rest is printed here once.
      if (!REPORT_NOTICES.has(message.messageId) && (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning)) {
        problems.push(message.formatMessageWithLocation(root));
      }
      message.handled = true;
    },
  });
  if (!fs.existsSync(path.join(root, BUILT_REPORT)) || !fs.existsSync(path.join(root, BUILT_DTS))) {
    throw new ReleaseError(`api-extractor wrote no report or rollup:\n  ${problems.join("\n  ")}`);
  }
  return { problems, reportChanged: result.apiReportChanged || reportWasMissing, reportWasMissing };
}

/** The text of a file in the repository, or undefined when there is none. */
export function readIfExists(root: string, rel: string): string | undefined {
  const file = path.join(root, rel);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Whether this module is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

/** Runs a script's main, printing a ReleaseError as one message and exiting non-zero. */
export function runMain(main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        if (err instanceof ReleaseError) {
          console.error(err.message);
          process.exitCode = 1;
        } else {
          throw err;
        }
      },
    );
}
