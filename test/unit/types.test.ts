// What TypeScript itself tells a user who gets the API wrong: the project's own tsconfig (strict), a virtual
// file importing src/index.ts, compiled with the TypeScript API; the diagnostics' text is asserted.
// test/types/truth.ts holds the same facts as @ts-expect-error lines for `npm run typecheck`.
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Diagnostics of one virtual file in test/unit/, as `TSxxxx: message` lines (chains flattened). */
function diagnose(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } });
  if (!config) throw new Error("tsconfig.json did not parse");
  const file = path.join(root, "test/unit/__virtual_types__.ts");
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  const sf = program.getSourceFile(file)!;
  return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " / ")}`);
}

const IMPORT = `import { Cgroup } from "../../src/index.js";\n`;

describe("TypeScript's messages for the API's mistakes", () => {
  it("a correct use compiles clean (the control: the harness reports nothing it should not)", () => {
    const ok = diagnose(`${IMPORT}export async function f(cg: Cgroup) {
  await Cgroup.create("web", { controllers: ["memory", "cpu"] });
  await cg.v2.memory?.max.read();
  await cg.requireV2("memory").max.read();
}\n`);
    expect(ok).toEqual([]);
  });

  it("a misspelled controller does not compile, and TypeScript suggests the name", () => {
    const diagnostics = diagnose(`${IMPORT}export async function f() {
  await Cgroup.create("web", { controllers: ["memroy"] });
}\n`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^TS2820: /); // "Type '…' is not assignable to type '…'. Did you mean '…'?"
    expect(diagnostics[0]).toContain(`Type '"memroy"' is not assignable to type 'ControllerName'. Did you mean '"memory"'?`);
  });

  it("a misspelled name in subtree_control's enable list is refused the same way", () => {
    const diagnostics = diagnose(`${IMPORT}export async function f(cg: Cgroup) {
  await cg.v2.core.subtreeControl.write({ enable: ["memry"] });
}\n`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain(`Did you mean '"memory"'?`);
  });

  it("a v2 controller accessor used without ?. is an error under strict", () => {
    const diagnostics = diagnose(`${IMPORT}export async function f(cg: Cgroup) {
  await cg.v2.memory.max.read();
}\n`);
    expect(diagnostics).toEqual(["TS18048: 'cg.v2.memory' is possibly 'undefined'."]);
  });
});
