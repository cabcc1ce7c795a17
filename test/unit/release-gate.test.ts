// The release gate's parts: old-vs-current type tests, the bump they require, pending changesets, versions, pack contents.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generate, takeLock } from "../../codegen/main.js";
import { breaksAsMinor, readPendingChangesets } from "../../codegen/release/changesets.js";
import { entryPoint, ReleaseError } from "../../codegen/release/common.js";
import { compareApis, rollupExports, type CompatResult } from "../../codegen/release/compat.js";
import { assess, baselineVersion } from "../../codegen/release/gate.js";
import { packProblems, sourceMapProblems } from "../../codegen/release/pack-check.js";
import { compareVersions, nextVersion, specVersionProblems } from "../../codegen/release/spec-versions.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const TYPE_ROOTS = path.join(REPO, "node_modules/@types");

const temps: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-release-"));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A surface shaped like cgroupkit's: codec interface, file classes with private state, generated classes, a const map. */
const OLD = `
/** @public */
export interface Codec<R, W = R> { readonly name: string; parse(text: string, file?: string): R; format(value: W, file?: string): string; }
/** @public */
export interface Options { readonly retries: number; }
/** @public */
export declare class ReadOnlyFile<R> { private readonly codec; protected readonly fs: unknown; constructor(dir: string, codec: Codec<R, never>); read(): Promise<R>; }
/** @public */
export declare class ReadWriteFile<R, W = R> extends ReadOnlyFile<R> { private readonly writeCodec; write(value: W): Promise<void>; }
/** @public */
export type ControllerName = "memory" | "pids";
/** @public */
export type Keyed<K extends ControllerName, V> = Readonly<Partial<Record<K, V>>>;
/** @public */
export declare class MemoryV2 { private readonly dir; static readonly controller = "memory"; constructor(dir: string); get max(): ReadWriteFile<bigint | "max">; get current(): ReadOnlyFile<bigint>; }
/** @public */
export declare class PidsV2 { private readonly dir; constructor(dir: string); get max(): ReadWriteFile<bigint | "max">; }
/** @public */
export declare const CONTROLLERS: { readonly memory: typeof MemoryV2; readonly pids: typeof PidsV2; };
/** @public */
export declare function showValue(value: unknown): string;
/** @public */
export declare function limitMemory(memory: MemoryV2, options: Options): Promise<ReadOnlyFile<bigint>>;
/** @public */
export declare function dropped(): void;
export { }
`;

/** One release later, each export changed in its own way. */
const NEW = OLD
  // a generated class grows a control file: minor
  .replace("get current(): ReadOnlyFile<bigint>; }", "get current(): ReadOnlyFile<bigint>; get peak(): ReadOnlyFile<bigint>; }")
  // a return type widens: major
  .replace("showValue(value: unknown): string;", "showValue(value: unknown): string | number;")
  // a method parameter narrows (methods are bivariant in TypeScript; the mapper must still catch it): major
  .replace("write(value: W): Promise<void>;", "write(value: W & string): Promise<void>;")
  // an implementable interface gains a required member: major
  .replace("export interface Options { readonly retries: number; }", "export interface Options { readonly retries: number; readonly timeout: number; }")
  // private state changes: nothing
  .replace("export declare class PidsV2 { private readonly dir;", "export declare class PidsV2 { private readonly directory; private cache;")
  // a union type alias widens: major (an exhaustive switch over it breaks)
  .replace('export type ControllerName = "memory" | "pids";', 'export type ControllerName = "memory" | "pids" | "io";')
  // an export goes: major; one arrives: minor
  .replace("export declare function dropped(): void;", "export declare function arrived(): void;");

describe("old-vs-current type tests", () => {
  let same: CompatResult;
  let changed: CompatResult;
  beforeAll(() => {
    same = compareApis(OLD, OLD, tempDir(), TYPE_ROOTS);
    changed = compareApis(OLD, NEW, tempDir(), TYPE_ROOTS);
  }, 120_000);

  const names = (r: CompatResult, check: string) => [...new Set(r.findings.filter((f) => f.check === check).map((f) => f.name))].sort();

  it("finds nothing between a surface and itself, generic constraints naming other exports included", () => {
    expect(same.findings).toEqual([]);
    expect(same.removed).toEqual([]);
    expect(same.added).toEqual([]);
    expect(fs.readFileSync(same.testFile, "utf8")).toContain("export function backward_type_Keyed<T_K extends Old.ControllerName, T_V>");
    expect(assess(same, false).bump).toBe("patch");
  });

  it("says which exports old code can no longer use: retyped return, narrowed parameter, widened union, new required interface member, removal", () => {
    expect(changed.removed).toEqual(["dropped"]);
    expect(changed.added).toEqual(["arrived"]);
    // Each change is charged to the export that changed: ReadWriteFile's narrowed write() is not charged again to
    // MemoryV2, whose getters return a ReadWriteFile, and limitMemory, which takes a grown MemoryV2 and an Options
    // with a new required member, is itself unchanged.
    expect(names(changed, "backward")).toEqual(["ControllerName", "ReadWriteFile", "dropped", "showValue"]);
    expect(names(changed, "implementers")).toEqual(["Options"]);
    expect(changed.findings.find((f) => f.check === "implementers")?.message).toContain('"timeout"');
    expect(changed.findings.find((f) => f.check === "backward" && f.name === "showValue")?.message).toMatch(/string \| number/);
  });

  it("says which exports grew", () => {
    expect(names(changed, "forward")).toEqual(["CONTROLLERS", "MemoryV2", "Options", "dropped"]);
  });

  it("requires major for that change, naming each reason", () => {
    const verdict = assess(changed, true);
    expect(verdict.bump).toBe("major");
    const major = verdict.reasons.filter((r) => r.bump === "major").map((r) => r.text);
    expect(major).toEqual(
      expect.arrayContaining([
        "export dropped was removed",
        expect.stringMatching(/^showValue: code written against the last release no longer compiles/),
        expect.stringMatching(/^Options: interface gained a required member/),
      ]),
    );
    // A removed export is reported once, as removed, not again as a failing check.
    expect(major.filter((t) => t.startsWith("dropped"))).toEqual([]);
  });

  it("requires minor when the surface only grew, and when only the report changed", async () => {
    const grown = compareApis(OLD, OLD.replace("get current(): ReadOnlyFile<bigint>; }", "get current(): ReadOnlyFile<bigint>; get peak(): ReadOnlyFile<bigint>; }"), tempDir(), TYPE_ROOTS);
    expect([...new Set(grown.findings.map((f) => `${f.check}:${f.name}`))].sort()).toEqual(["forward:CONTROLLERS", "forward:MemoryV2"]);
    expect(assess(grown, false).bump).toBe("minor");
    expect(assess(same, true)).toEqual({ bump: "minor", reasons: [{ bump: "minor", text: expect.stringContaining("API report differs") }] });
  }, 120_000);

  it("requires minor for a first release: no baseline, everything is new", () => {
    expect(assess(undefined, false)).toEqual({ bump: "minor", reasons: [{ bump: "minor", text: expect.stringContaining("first release") }] });
  });

  it("refuses rollups that do not compile instead of judging them", () => {
    expect(() => compareApis(OLD, `${NEW}\nexport declare const broken: NoSuchType;\n`, tempDir(), TYPE_ROOTS)).toThrow(/rollup does not compile[\s\S]*NoSuchType/);
  }, 120_000);
});

/**
 * A name union and the ways a surface can use it. Each case is judged alone: one alias, `Name`, widened by one
 * member, and one use of it. Old calls compile when the library only takes names; a name it hands out can be one
 * the caller's exhaustive switch does not know.
 */
const UNION_USES: Record<string, { use: string; bump: "minor" | "major" }> = {
  parameter: { use: "export declare function enable(name: Name): void;", bump: "minor" },
  "array parameter, optional": { use: "export declare function enable(names?: readonly Name[]): void;", bump: "minor" },
  "option object property": { use: "export interface Options { readonly controllers?: readonly Name[]; }\nexport declare function create(options: Options): void;", bump: "minor" },
  "method parameter of a class": { use: "export declare class Group { private readonly dir; enable(name: Name): Promise<void>; }", bump: "minor" },
  "taken by a generic that only writes it": {
    use: "export declare class File<R, W = R> { private readonly codec; read(): Promise<R>; write(value: W): Promise<void>; }\nexport declare class Core { get subtree(): File<string[], { readonly enable?: readonly Name[] }>; }",
    bump: "minor",
  },
  "keys of an object handed out": { use: "export declare function accessors(): { readonly [K in Name]: number | undefined };", bump: "minor" },
  "return type": { use: "export declare function current(): Name;", bump: "major" },
  "property of a returned object": { use: "export interface Info { readonly name: Name; }\nexport declare function info(): Info;", bump: "major" },
  "callback parameter": { use: "export declare function each(callback: (name: Name) => void): void;", bump: "major" },
  "read by a generic": {
    use: "export declare class File<R> { private readonly codec; read(): Promise<R>; }\nexport declare class Core { get controllers(): File<Name[]>; }",
    bump: "major",
  },
  "keys of an object taken": { use: "export declare function limits(values: Record<Name, number>): void;", bump: "major" },
  "a listed constant": { use: "export declare const NAMES: readonly Name[];", bump: "major" },
  "no signature names it (users describe data with it)": { use: "", bump: "major" },
};

describe("a union type alias that gains a member", () => {
  const surface = (members: string, use: string) => `/** @public */\nexport type Name = ${members};\n${use}\nexport { }\n`;
  for (const [where, { use, bump }] of Object.entries(UNION_USES)) {
    it(`used as ${where}: ${bump}`, () => {
      const result = compareApis(surface('"memory" | "pids"', use), surface('"memory" | "pids" | "io"', use), tempDir(), TYPE_ROOTS);
      const name = result.findings.filter((f) => f.name === "Name").map((f) => f.check);
      expect(name).toEqual([bump === "minor" ? "widened-input" : "backward"]);
      expect(assess(result, false).bump).toBe(bump);
    }, 60_000);
  }

  it("a template-literal member counts as a name (ControllerName's `name=${string}`); narrowing stays a major", () => {
    const use = UNION_USES.parameter!.use;
    const widened = compareApis(surface('"memory" | `name=${string}`', use), surface('"memory" | "io" | `name=${string}`', use), tempDir(), TYPE_ROOTS);
    expect(assess(widened, false).bump).toBe("minor");
    // An input that lost a member breaks callers that pass it: the forward check fails, so the backward one is not excused.
    const swapped = compareApis(surface('"memory" | "pids"', use), surface('"memory" | "io"', use), tempDir(), TYPE_ROOTS);
    expect(assess(swapped, false).bump).toBe("major");
  }, 60_000);
});

describe("entry points", () => {
  it("name their reports and baselines after the subpath", () => {
    expect(entryPoint(".", "./dist/src/index.d.ts")).toMatchObject({ specifier: "cgroupkit", id: "cgroupkit", dts: "dist/src/index.d.ts", report: "etc/cgroupkit.api.md", baselineDts: "etc/baseline/cgroupkit.d.ts" });
    expect(entryPoint("./ebpf", "./dist/src/ebpf.d.ts")).toMatchObject({ specifier: "cgroupkit/ebpf", id: "cgroupkit-ebpf", report: "etc/cgroupkit-ebpf.api.md", builtDts: "temp/api-extractor/cgroupkit-ebpf.d.ts" });
    expect(() => entryPoint("./Deep/path", "x.d.ts")).toThrow(ReleaseError);
  });

  it("read a rollup's exported names from its syntax", () => {
    expect(rollupExports("declare interface Hidden {}\nexport declare function a(): void;\nexport declare const b: 1, c: 2;\ndeclare class D {}\nexport { D, Hidden as Shown }\n")).toEqual(["D", "Shown", "a", "b", "c"]);
  });
});

describe("pending changesets", () => {
  function withChangesets(files: Record<string, string>): string {
    const root = tempDir();
    fs.mkdirSync(path.join(root, ".changeset"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, ".changeset", name), text);
    return root;
  }

  it("declares the largest bump, ignoring README.md and config.json", () => {
    const root = withChangesets({
      "README.md": "# not a changeset\n",
      "config.json": "{}",
      "brave-cats.md": '---\n"cgroupkit": patch\n---\n\nFix a typo.\n',
      "quiet-dogs.md": "---\ncgroupkit: minor\n---\n\nAdd memory.peak.\n",
    });
    const declared = readPendingChangesets(root, "cgroupkit");
    expect(declared.bump).toBe("minor");
    expect(declared.changesets).toEqual([
      { file: ".changeset/brave-cats.md", bump: "patch", summary: "Fix a typo." },
      { file: ".changeset/quiet-dogs.md", bump: "minor", summary: "Add memory.peak." },
    ]);
  });

  it("declares none without changesets, and for an empty one", () => {
    expect(readPendingChangesets(tempDir(), "cgroupkit")).toEqual({ bump: "none", changesets: [] });
    expect(readPendingChangesets(withChangesets({ "empty.md": "---\n---\n" }), "cgroupkit").bump).toBe("none");
  });

  it("on 0.x, hands a major to changesets as a minor marked Breaking, and can put it back", () => {
    const root = withChangesets({ "tiers.md": '---\n"cgroupkit": major\n---\n\nMoved the eBPF tools to cgroupkit/ebpf.\n', "small.md": "---\ncgroupkit: minor\n---\n\nAdd memory.peak.\n" });
    const original = fs.readFileSync(path.join(root, ".changeset/tiers.md"), "utf8");
    const restore = breaksAsMinor(root, "cgroupkit");
    expect(readPendingChangesets(root, "cgroupkit").changesets).toEqual([
      { file: ".changeset/small.md", bump: "minor", summary: "Add memory.peak." },
      { file: ".changeset/tiers.md", bump: "minor", summary: "**Breaking:** Moved the eBPF tools to cgroupkit/ebpf." },
    ]);
    restore();
    expect(fs.readFileSync(path.join(root, ".changeset/tiers.md"), "utf8")).toBe(original);
  });

  it("refuses another package, an unknown bump and a missing front matter, naming the file", () => {
    expect(() => readPendingChangesets(withChangesets({ "a.md": '---\n"other": minor\n---\n\nx\n' }), "cgroupkit")).toThrow(/\.changeset\/a\.md: names package "other"/);
    expect(() => readPendingChangesets(withChangesets({ "b.md": '---\n"cgroupkit": huge\n---\n\nx\n' }), "cgroupkit")).toThrow(/\.changeset\/b\.md: cgroupkit: "huge" is not major, minor, patch or none/);
    expect(() => readPendingChangesets(withChangesets({ "c.md": "just text\n" }), "cgroupkit")).toThrow(ReleaseError);
  });
});

describe("versions", () => {
  it("bumps as changesets does, a major on 0.x included", () => {
    expect(nextVersion("0.0.0", "minor")).toBe("0.1.0");
    expect(nextVersion("0.1.0", "minor")).toBe("0.2.0");
    // On 0.x a declared break is the next minor, as the caret reads 0.x (^0.3.2 does not take 0.4.0).
    expect(nextVersion("0.3.2", "major")).toBe("0.4.0");
    expect(nextVersion("0.1.0", "major")).toBe("0.2.0");
    expect(nextVersion("1.4.2", "major")).toBe("2.0.0");
    expect(nextVersion("1.2.3", "patch")).toBe("1.2.4");
    expect(nextVersion("1.2.3", "none")).toBe("1.2.3");
    expect(() => nextVersion("1.0.0-rc.1", "patch")).toThrow(/pre-releases/);
    expect(compareVersions("0.10.0", "0.9.9")).toBeGreaterThan(0);
  });

  it("reads the version a baseline was released as", () => {
    expect(baselineVersion("// cgroupkit 0.1.0: the public API as released\nexport {}\n")).toBe("0.1.0");
    expect(baselineVersion("export {}\n")).toBeUndefined();
  });

  it("checks the spec's api: fields against the lock and the coming release", () => {
    const root = tempDir();
    fs.cpSync(path.join(REPO, "test/fixtures/codegen/spec"), path.join(root, "spec"), { recursive: true });
    fs.mkdirSync(path.join(root, "codegen"));
    fs.mkdirSync(path.join(root, "generated"));
    const regenerate = () => fs.writeFileSync(path.join(root, "generated/manifest.json"), generate(root).files.get("generated/manifest.json")!);
    regenerate();
    expect(specVersionProblems(root, "0.1.0")).toEqual([]);
    expect(specVersionProblems(root, "0.2.0")[0]).toMatch(/^spec\/v1\/memory\.yaml: entry .*: api: 0\.1\.0, but it is new and ships in 0\.2\.0/);

    fs.writeFileSync(path.join(root, "codegen/api-lock.json"), JSON.stringify(takeLock(root, "0.1.0")));
    expect(specVersionProblems(root, undefined)).toEqual([]);
    const spec = path.join(root, "spec/v2/memory.yaml");
    const text = fs.readFileSync(spec, "utf8");
    const added = text.replace(/^files:\n/m, "files:\n  - file: memory.probe\n    access: ro\n    where: non-root\n    codec: u64\n    api: 0.1.0\n    doc: Added after 0.1.0.\n");
    expect(added).not.toBe(text);
    fs.writeFileSync(spec, added);
    regenerate();
    expect(specVersionProblems(root, undefined)).toEqual(["spec/v2/memory.yaml: entry memory.probe: api: 0.1.0, but it is new since 0.1.0; write the version it ships in"]);
    fs.writeFileSync(spec, added.replace("api: 0.1.0\n    doc: Added after", "api: 0.2.0\n    doc: Added after"));
    regenerate();
    expect(specVersionProblems(root, "0.2.0")).toEqual([]);
    expect(specVersionProblems(root, "1.0.0")).toEqual(["spec/v2/memory.yaml: entry memory.probe: api: 0.2.0, but it is new and ships in 1.0.0; write api: 1.0.0"]);
  });
});

describe("pack contents", () => {
  const pkg = { exports: { ".": { types: "./dist/src/index.d.ts", default: "./dist/src/index.js" }, "./manifest.json": "./generated/manifest.json" }, bin: { cgroupkit: "./dist/src/cli/main.js" } };
  const good = ["package.json", "LICENSE", "dist/src/index.js", "dist/src/index.d.ts", "dist/generated/index.js", "dist/generated/index.d.ts", "generated/manifest.json", "dist/src/cli/main.js"];

  it("accepts the library, its types, the manifest and the CLI", () => {
    expect(packProblems(pkg, good)).toEqual([]);
  });

  it("names what is missing and what must not ship", () => {
    const files = [...good.filter((f) => f !== "dist/src/cli/main.js" && f !== "generated/manifest.json"), "test/unit/x.test.ts", "dist/test/support/host.js"];
    expect(packProblems(pkg, files).sort()).toEqual(
      [
        "missing from the package: dist/src/cli/main.js",
        "missing from the package: generated/manifest.json",
        "must not be in the package: dist/test/support/host.js",
        "must not be in the package: test/unit/x.test.ts",
      ].sort(),
    );
  });

  it("needs every entry point's code and types", () => {
    const withSubpath = { ...pkg, exports: { ...pkg.exports, "./ebpf": { types: "./dist/src/ebpf.d.ts", default: "./dist/src/ebpf.js" } } };
    expect(packProblems(withSubpath, [...good, "dist/src/ebpf.js"])).toEqual(["missing from the package: dist/src/ebpf.d.ts"]);
    expect(packProblems(withSubpath, [...good, "dist/src/ebpf.js", "dist/src/ebpf.d.ts"])).toEqual([]);
  });

  it("refuses a script that would run in a consumer's install, and a package without LICENSE", () => {
    const withPrepare = { ...pkg, scripts: { build: "tsc", prepare: "npm run build", prepack: "npm run build" } };
    expect(packProblems(withPrepare, good.filter((f) => f !== "LICENSE")).sort()).toEqual(
      ["missing from the package: LICENSE", `package.json: a "prepare" script runs in consumers' installs; ship built files instead`].sort(),
    );
  });

  it("finds source maps whose sources are neither embedded nor shipped", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-maps-"));
    try {
      fs.mkdirSync(path.join(root, "dist/src"), { recursive: true });
      fs.mkdirSync(path.join(root, "src"), { recursive: true });
      fs.writeFileSync(path.join(root, "dist/src/a.js.map"), JSON.stringify({ version: 3, sources: ["../../src/a.ts"], sourcesContent: ["export {};"], mappings: "" }));
      fs.writeFileSync(path.join(root, "dist/src/b.js.map"), JSON.stringify({ version: 3, sources: ["../../src/b.ts"], mappings: "" }));
      fs.writeFileSync(path.join(root, "dist/src/c.js.map"), JSON.stringify({ version: 3, sources: ["../../src/c.ts"], mappings: "" }));
      const files = ["dist/src/a.js.map", "dist/src/b.js.map", "dist/src/c.js.map", "src/c.ts"];
      expect(sourceMapProblems(root, files)).toEqual(["dist/src/b.js.map: source map points at ../../src/b.ts, which the package neither embeds nor ships"]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
