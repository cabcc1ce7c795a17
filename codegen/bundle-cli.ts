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
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = path.join(ROOT, "dist/cli");

const LAUNCHER = `#!/usr/bin/env node
// cgroupkit's executable: V8's compile cache where Node has it (22.1+), then the bundled CLI.
"use strict";
require("node:module").enableCompileCache?.();
require("./cli.cjs");
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

export async function bundleCli(): Promise<void> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "src/cli/main.ts")],
    outfile: path.join(OUT_DIR, "cli.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20.19",
    // Loaded on first use (eBPF, the OCI parser) and resolved from node_modules, as the library does.
    external: ["koffi", "zod", "cgroupkit/*"],
    // The sources are ESM: import.meta.url is the bundle's own URL (createRequire resolves cgroupkit/manifest.json from the package).
    define: { "import.meta.url": "__cgroupkitBundleUrl" },
    banner: { js: `"use strict";\nconst __cgroupkitBundleUrl = require("node:url").pathToFileURL(__filename).href;` },
    plugins: [inlineManifest],
    legalComments: "none",
    logLevel: "warning",
  });
  fs.writeFileSync(path.join(OUT_DIR, "cgroupkit.cjs"), LAUNCHER, { mode: 0o755 });
}

await bundleCli();
