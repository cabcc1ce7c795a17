// Where the CLI's copy of the spec's manifest comes from: the package's generated/manifest.json,
// read on first use. The CLI bundle replaces this module with one that carries the manifest inline
// (codegen/bundle-cli.ts), which saves a module resolution and a CommonJS JSON load per invocation.
import { createRequire } from "node:module";

/** The parsed `cgroupkit/manifest.json`. @internal */
export function readManifestFile(): unknown {
  // Self-reference by package name resolves the same file from src/ (tsx) and dist/src/ (built).
  return createRequire(import.meta.url)("cgroupkit/manifest.json");
}
