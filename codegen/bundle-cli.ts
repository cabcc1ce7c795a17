// `npm run build` step 2: the CLI as one bundled file (dist/cli/cli.cjs) behind a three-line
// launcher (dist/cli/cgroupkit.cjs, the package's bin). The library keeps tsc's output (dist/src).
//
// Why: a `cgroupkit` invocation spent as long loading ~90 ESM files as node takes to start. One
// CommonJS bundle is one read and one compile; its modules are initialised on first use, and
// `require()` of node built-ins and of koffi/zod stays inside the code that needs them (an ESM
// bundle would hoist every import to the top and load them all). The launcher turns on V8's compile
// cache (node:module enableCompileCache, Node >= 22.1) before the bundle is compiled, so a second
// run skips the compile; on older Node the call is absent and the bundle is compiled each run.
import { build, type Plugin } from "esbuild";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const LAUNCHER = `#!/usr/bin/env node
// cgroupkit's executable: the bundled CLI (cli.cjs), compiled through V8's code cache.
"use strict";
const Module = require("node:module");
if (Module.enableCompileCache) {
  Module.enableCompileCache();
  require("./cli.cjs");
} else {
  // Node < 22.1 has no compile cache of its own: use the one \`npm run build\` made next to the bundle.
  // V8 itself only checks the source's length, so the cache names the bundle's size and mtime;
  // V8 refuses a cache of another version or other flags, and then the bundle compiles as usual.
  const fs = require("node:fs");
  const vm = require("node:vm");
  const file = __dirname + "/cli.cjs";
  const cacheFile = file + ".v8cache";
  const stat = fs.statSync(file);
  const stamp = Buffer.from(\`\${stat.size}:\${stat.mtimeMs}\\n\`);
  let cachedData;
  try {
    const cache = fs.readFileSync(cacheFile);
    if (cache.subarray(0, stamp.length).equals(stamp)) cachedData = cache.subarray(stamp.length);
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(__dirname);
  if (process.env.CGROUPKIT_WRITE_CODE_CACHE === "1") {
    process.once("exit", () => fs.writeFileSync(cacheFile, Buffer.concat([stamp, script.createCachedData()])));
  }
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, __dirname);
}
`;

/** src/cli/manifest-file.ts as the bundle has it: the manifest inline (JSON.parse of a string is the fastest way to load it). */
const inlineManifest: Plugin = {
  name: "inline-manifest",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]manifest-file\.ts$/ }, () => {
      const text = JSON.stringify(JSON.parse(fs.readFileSync(path.join(ROOT, "generated/manifest.json"), "utf8")));
      return { loader: "js", contents: `export function readManifestFile() { return JSON.parse(${JSON.stringify(text)}); }\n` };
    });
  },
};

/** Bundle into `outDir` (default dist/cli; the bench bundles into its own build directory). */
export async function bundleCli(outDir = path.join(ROOT, "dist/cli")): Promise<void> {
  const OUT_DIR = path.resolve(outDir);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "src/cli/main.ts")],
    outfile: path.join(OUT_DIR, "cli.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20.19",
    // Loaded on first use (eBPF, the OCI parser, the D-Bus client, serve-metrics' exposition) and resolved from node_modules, as the library does.
    external: ["koffi", "zod", "@particle/dbus-next", "prom-client", "cgroupkit/*"],
    // The sources are ESM: import.meta.url is the bundle's own URL (createRequire resolves cgroupkit/manifest.json from the package).
    define: { "import.meta.url": "__cgroupkitBundleUrl" },
    banner: { js: `"use strict";\nconst __cgroupkitBundleUrl = require("node:url").pathToFileURL(__filename).href;` },
    plugins: [inlineManifest],
    legalComments: "none",
    logLevel: "warning",
  });
  const launcher = path.join(OUT_DIR, "cgroupkit.cjs");
  fs.writeFileSync(launcher, LAUNCHER, { mode: 0o755 });
  // The code cache for Node < 22.1: V8 caches what a run compiled, so run the help, which loads every verb.
  fs.rmSync(path.join(OUT_DIR, "cli.cjs.v8cache"), { force: true });
  const r = spawnSync(process.execPath, [launcher, "--help"], { env: { ...process.env, CGROUPKIT_WRITE_CODE_CACHE: "1" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the bundled CLI failed its first run (--help): exit ${r.status}: ${r.stderr}`);
}

/**
 * The unbundled entry (tsc's dist/src/cli/main.js, the bin before 0.2) stays executable: an npx cache made
 * before the bin moved still links there, and would otherwise hand the file to sh.
 */
function keepUnbundledEntryExecutable(): void {
  const entry = path.join(ROOT, "dist/src/cli/main.js");
  if (!fs.existsSync(entry)) return;
  const text = fs.readFileSync(entry, "utf8");
  if (!text.startsWith("#!")) fs.writeFileSync(entry, `#!/usr/bin/env node\n${text}`);
  fs.chmodSync(entry, 0o755);
}

await bundleCli(process.argv[2]);
if (process.argv[2] === undefined) keepUnbundledEntryExecutable();
