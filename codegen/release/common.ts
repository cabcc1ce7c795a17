// Paths, the build and api-extractor, shared by the release scripts (report, gate, version, pack check).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from "@microsoft/api-extractor";

/** The repository these scripts live in (a copy of the repository runs its own copy of them). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const PACKAGE_NAME = "cgroupkit";
/** Where the last release's declaration rollups and reports live, one pair per entry point. */
export const BASELINE_DIR = "etc/baseline";
/** Generated type tests and the gate's verdict. */
export const GATE_DIR = "temp/api-gate";

/**
 * One entry point of the package (an `exports` subpath with types), with the files the release scripts keep for it.
 * The root is `cgroupkit` (etc/cgroupkit.api.md); `./ebpf` is `cgroupkit/ebpf` (etc/cgroupkit-ebpf.api.md).
 */
export interface EntryPoint {
  /** The `exports` key: `.` or `./ebpf`. */
  readonly subpath: string;
  /** What a user imports: `cgroupkit`, `cgroupkit/ebpf`. */
  readonly specifier: string;
  /** The stem of its report and rollup file names: `cgroupkit`, `cgroupkit-ebpf`. */
  readonly id: string;
  /** Its declarations in dist/, the file api-extractor reads: `dist/src/ebpf.d.ts`. */
  readonly dts: string;
  /** Committed api-extractor report of the current tree. */
  readonly report: string;
  /** The last release: its declaration rollup and its report. */
  readonly baselineDts: string;
  readonly baselineReport: string;
  /** Where api-extractor writes this build's report and rollup. */
  readonly builtReport: string;
  readonly builtDts: string;
}

/** An entry point's files, by its `exports` key. */
export function entryPoint(subpath: string, dts: string): EntryPoint {
  const name = subpath === "." ? "" : subpath.replace(/^\.\//, "");
  if (!/^(?:[a-z][a-z0-9-]*)?$/.test(name)) throw new ReleaseError(`package.json exports ${JSON.stringify(subpath)}: an entry point with types must be "." or "./<lowercase name>"`);
  const id = name === "" ? PACKAGE_NAME : `${PACKAGE_NAME}-${name}`;
  return {
    subpath,
    specifier: name === "" ? PACKAGE_NAME : `${PACKAGE_NAME}/${name}`,
    id,
    dts: dts.replace(/^\.\//, ""),
    report: `etc/${id}.api.md`,
    baselineDts: `${BASELINE_DIR}/${id}.d.ts`,
    baselineReport: `${BASELINE_DIR}/${id}.api.md`,
    builtReport: `temp/api-extractor/${id}.api.md`,
    builtDts: `temp/api-extractor/${id}.d.ts`,
  };
}

/** The package's entry points: every `exports` entry with a `types` condition, the root first. */
export function entryPoints(root: string): EntryPoint[] {
  const exports = (readPackageJson(root).exports ?? {}) as Record<string, unknown>;
  const found: EntryPoint[] = [];
  for (const [subpath, target] of Object.entries(exports)) {
    const types = target && typeof target === "object" ? (target as Record<string, unknown>).types : undefined;
    if (typeof types === "string") found.push(entryPoint(subpath, types));
  }
  if (found[0]?.subpath !== ".") throw new ReleaseError('package.json exports: the first entry must be "." with a "types" condition');
  return found;
}

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
  readonly entry: EntryPoint;
  /** Errors and warnings api-extractor raised (missing release tags, compiler errors), formatted. */
  readonly problems: readonly string[];
  /** The build's report differs from the committed one (in a local run: and the committed one was updated). */
  readonly reportChanged: boolean;
  /** The committed report did not exist before this run. */
  readonly reportWasMissing: boolean;
}

/**
 * Messages of a subpath's run that are no problem when they name a root export: api-extractor judges each entry
 * point alone, so a type or a TSDoc link of the root is "forgotten" or "unresolved" there. (typedoc, which reads all
 * entry points together, checks those links: npm run docs.) The pattern captures the name.
 */
const ROOT_NAME_MESSAGES = new Map<string, RegExp>([
  ["ae-forgotten-export", /^The symbol "([^"]+)" needs to be exported/],
  ["ae-unresolved-link", /does not have an export "([^"]+)"/],
  ["ae-unresolved-inheritdoc-reference", /does not have an export "([^"]+)"/],
]);

/**
 * Runs api-extractor on dist/ (build first), once per entry point, the TypeScript program shared.
 * `local`: update the committed reports in etc/ (a developer's run); otherwise leave them alone and say
 * whether they differ (CI). Either way each build's report and declaration rollup land in temp/api-extractor/.
 *
 * A subpath's signatures may name a root export (ebpf's compileDeviceFilter returns a CompiledDeviceFilter): the
 * user imports that one from `cgroupkit`, so it is not forgotten there (ROOT_NAME_MESSAGES). Any other forgotten
 * export or unresolved link of a subpath is a problem.
 */
export function extractApi(root: string, local: boolean): ExtractResult[] {
  const entries = entryPoints(root);
  for (const e of entries) if (!fs.existsSync(path.join(root, e.dts))) throw new ReleaseError(`${e.dts} is missing: the build did not run or did not emit declarations`);
  for (const dir of ["temp/api-extractor", "etc"]) fs.mkdirSync(path.join(root, dir), { recursive: true });
  const configFile = path.join(root, "api-extractor.json");
  const base = ExtractorConfig.loadFile(configFile);
  const configFor = (e: EntryPoint, subpath: boolean) =>
    ExtractorConfig.prepare({
      configObjectFullPath: configFile,
      packageJsonFullPath: path.join(root, "package.json"),
      configObject: {
        ...base,
        mainEntryPointFilePath: `<projectFolder>/${e.dts}`,
        compiler: { ...base.compiler, overrideTsconfig: { ...(base.compiler?.overrideTsconfig as object), files: entries.map((x) => x.dts) } },
        apiReport: { ...base.apiReport!, reportFileName: path.basename(e.report) },
        dtsRollup: { ...base.dtsRollup!, untrimmedFilePath: `<projectFolder>/${e.builtDts}` },
        messages: subpath
          ? {
              ...base.messages,
              // Judged in the callback below, against the root's exports.
              extractorMessageReporting: {
                ...base.messages?.extractorMessageReporting,
                ...Object.fromEntries([...ROOT_NAME_MESSAGES.keys()].map((id) => [id, { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false }])),
              },
            }
          : base.messages,
      },
    });
  const configs = entries.map((e, i) => configFor(e, i > 0));
  const compilerState = CompilerState.create(configs[0]!, { additionalEntryPoints: entries.map((e) => path.join(root, e.dts)) });
  const rootExports = exportNames(compilerState.program as unknown as import("typescript").Program, path.join(root, entries[0]!.dts));

  return entries.map((entry, i) => {
    const reportWasMissing = !fs.existsSync(path.join(root, entry.report));
    const problems: string[] = [];
    const result = Extractor.invoke(configs[i]!, {
      localBuild: local,
      compilerState,
      messageCallback: (message) => {
        message.handled = true;
        if (REPORT_NOTICES.has(message.messageId)) return;
        const namePattern = i > 0 ? ROOT_NAME_MESSAGES.get(message.messageId) : undefined;
        if (namePattern) {
          const name = namePattern.exec(message.text)?.[1];
          if (name !== undefined && rootExports.has(name)) return;
          problems.push(`${entry.specifier}: ${message.formatMessageWithLocation(root)} (not exported by ${entry.specifier} nor by ${PACKAGE_NAME})`);
          return;
        }
        // The report's own "it changed" notice is reported by the caller; the rest is printed here once.
        if (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning) problems.push(`${entry.specifier}: ${message.formatMessageWithLocation(root)}`);
      },
    });
    if (!fs.existsSync(path.join(root, entry.builtReport)) || !fs.existsSync(path.join(root, entry.builtDts))) {
      throw new ReleaseError(`api-extractor wrote no report or rollup for ${entry.specifier}:\n  ${problems.join("\n  ")}`);
    }
    return { entry, problems, reportChanged: result.apiReportChanged || reportWasMissing, reportWasMissing };
  });
}

/** The names a declaration file exports. */
function exportNames(program: import("typescript").Program, file: string): Set<string> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  return new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
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
