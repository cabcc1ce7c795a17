// `npm run pack:check`: build, pack as npm would publish, and check the tarball.
//   - it holds the library (dist/src, dist/generated), its declarations, generated/manifest.json, every
//     `exports` target (each entry point's code and types: cgroupkit, cgroupkit/ebpf, cgroupkit/testing) and
//     `bin` target, package.json; and nothing from test/ (nor temp/, etc/, spec/, codegen/);
//   - the CLI entry starts with a node shebang; LICENSE is in it; no script runs in a consumer's install;
//   - every source map resolves: each source is embedded (sourcesContent) or shipped beside it;
//   - publint --strict is clean; attw --profile esm-only is clean: the package is ESM only, so the
//     node10 and require() resolutions are out of scope (the node16 profile would flag require() of ESM).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build, isMain, readPackageJson, ReleaseError, ROOT, runMain } from "./common.js";

const PACK_DIR = "temp/pack";
/** Paths the published package must never contain. */
const FORBIDDEN = [/^test\//, /^dist\/test\//, /^temp\//, /^etc\//, /^spec\//, /^codegen\//, /^dist\/codegen\//, /^bench\//, /\.test\.[cm]?[jt]s$/, /\.tsbuildinfo$/];

export interface PackCheck {
  readonly tarball: string;
  readonly files: readonly string[];
  readonly problems: readonly string[];
}

/** Every file path an `exports` or `bin` field points at. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(targets);
  return [];
}

const normalize = (p: string) => path.posix.normalize(p).replace(/^\.\//, "");

/** What must be in the tarball, and what must not, for this package.json. */
export function packProblems(pkg: Record<string, unknown>, files: readonly string[]): string[] {
  const have = new Set(files);
  const problems: string[] = [];
  const required = new Set(["package.json", "LICENSE", "dist/src/index.js", "dist/src/index.d.ts", "dist/generated/index.js", "dist/generated/index.d.ts", "generated/manifest.json"]);
  for (const t of [...targets(pkg.exports), ...targets(pkg.bin)]) if (!t.includes("*")) required.add(normalize(t));
  for (const f of required) if (!have.has(f)) problems.push(`missing from the package: ${f}`);
  for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`must not be in the package: ${f}`);
  const scripts = (pkg.scripts ?? {}) as Record<string, string>;
  for (const s of INSTALL_SCRIPTS) if (scripts[s] !== undefined) problems.push(`package.json: a "${s}" script runs in consumers' installs; ship built files instead`);
  return problems;
}

/** Lifecycle scripts npm runs when a consumer installs the package (prepare: from git or a directory). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

/** Source maps in the package whose sources are neither embedded nor in the package. */
export function sourceMapProblems(root: string, files: readonly string[]): string[] {
  const have = new Set(files);
  const problems: string[] = [];
  for (const f of files.filter((f) => f.endsWith(".map"))) {
    const map = JSON.parse(fs.readFileSync(path.join(root, f), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
    const missing = map.sources.filter((s, i) => typeof map.sourcesContent?.[i] !== "string" && !have.has(path.posix.join(path.posix.dirname(f), s)));
    if (missing.length > 0) problems.push(`${f}: source map points at ${missing.join(", ")}, which the package neither embeds nor ships`);
  }
  return problems;
}

export function packCheck(root: string, options: { build: boolean }): PackCheck {
  if (options.build) build(root);
  const dir = path.join(root, PACK_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // --ignore-scripts: `prepack` would build a second time.
  const packed = spawnSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", PACK_DIR], { cwd: root, encoding: "utf8" });
  if (packed.status !== 0) throw new ReleaseError(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new ReleaseError("npm pack printed no result");
  const tarball = path.join(dir, info.filename);
  const files = info.files.map((f) => f.path).sort();
  const pkg = readPackageJson(root);
  const problems = [...packProblems(pkg, files), ...sourceMapProblems(root, files)];

  for (const bin of targets(pkg.bin).map(normalize)) {
    const file = path.join(root, bin);
    if (fs.existsSync(file) && !fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")) problems.push(`${bin}: the CLI entry must start with #!/usr/bin/env node`);
  }
  const tool = (bin: string, args: string[]) => {
    const r = spawnSync(path.join(root, "node_modules/.bin", bin), args, { cwd: root, encoding: "utf8" });
    const out = `${r.stdout}${r.stderr}`.trim();
    console.log(out);
    if (r.status !== 0) problems.push(`${bin} ${args.join(" ")}: exit ${r.status ?? r.signal} (output above)`);
  };
  const rel = path.relative(root, tarball);
  tool("publint", ["run", rel, "--strict"]);
  tool("attw", [rel, "--profile", "esm-only", "--no-definitely-typed", "--format", "ascii", "--no-emoji", "--no-color"]);
  return { tarball: rel, files, problems };
}

if (isMain(import.meta.url)) {
  runMain(() => {
    const { tarball, files, problems } = packCheck(ROOT, { build: !process.argv.includes("--no-build") });
    console.log(`${tarball}: ${files.length} files`);
    for (const p of problems) console.error(`pack check: ${p}`);
    console.log(`pack check: ${problems.length === 0 ? "PASS" : "FAIL"}`);
    return problems.length === 0 ? 0 : 1;
  });
}
