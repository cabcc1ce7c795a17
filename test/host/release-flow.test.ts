// The maintainer flow of MAINTAINERS.md, walked on a copy of the repository (node_modules linked, not copied):
// a new control file needs and takes a minor changeset and releases as one; removing a released one is refused
// by the generator; a changed return type needs a major changeset and a minor one is rejected.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument, type YAMLSeq } from "yaml";
import type { GateResult } from "../../codegen/release/gate.js";
import { nextVersion } from "../../codegen/release/spec-versions.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const SPEC = "spec/v2/memory.yaml";
const PROBE = "memory.release_gate_probe";
const PROBE_PROPERTY = "releaseGateProbe";
const STEP_TIMEOUT = 240_000;

/** The files CI would see (tracked, plus untracked ones git does not ignore), copied; node_modules linked. */
function copyRepository(): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-release-flow-"));
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const rel of new Set(listed.stdout.split("\0").filter(Boolean))) {
    const from = path.join(REPO, rel);
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dest, "node_modules"), "dir");
  return dest;
}

interface Run {
  status: number | null;
  output: string;
}

function npm(root: string, script: string, ...args: string[]): Run {
  const r = spawnSync("npm", ["run", "-s", script, ...(args.length > 0 ? ["--", ...args] : [])], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function expectStatus(run: Run, status: number): void {
  expect(run.status, run.output).toBe(status);
}

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
const version = (root: string) => (JSON.parse(read(root, "package.json")) as { version: string }).version;
const gateResult = (root: string) => JSON.parse(read(root, "temp/api-gate/result.json")) as GateResult;

function writeChangeset(root: string, name: string, bump: "major" | "minor" | "patch", summary: string): void {
  fs.writeFileSync(path.join(root, ".changeset", `${name}.md`), `---\n"cgroupkit": ${bump}\n---\n\n${summary}\n`);
}

/** Edits a file of the copy; the edit must apply, or the test is not testing what it says. */
function edit(root: string, rel: string, from: string | RegExp, to: string): void {
  const text = read(root, rel);
  const next = text.replace(from, to);
  expect(next, `edit of ${rel} applied`).not.toBe(text);
  fs.writeFileSync(path.join(root, rel), next);
}

describe("release flow on a copy of the repository", () => {
  let root: string;
  let released: string;
  const started = Date.now();

  beforeAll(() => {
    root = copyRepository();
    // Start from "the tree is released": build, refresh the report, and if the gate wants a bump (a first
    // release, or pending changes on main), release the copy so that the baseline is the tree as it is.
    const gate = npm(root, "api:gate", "--local");
    expect(fs.existsSync(path.join(root, "temp/api-gate/result.json")), gate.output).toBe(true);
    const first = gateResult(root);
    if (first.required.bump !== "patch") {
      if (!gate.output.includes("api gate: PASS")) writeChangeset(root, "flow-setup", first.required.bump, "Changes pending on the tree the flow test copied.");
      const before = version(root);
      expectStatus(npm(root, "release:version", "--no-build"), 0);
      // A break on 0.x is released as the next minor, its CHANGELOG entry marked.
      if (first.required.bump === "major" && before.startsWith("0.")) {
        expect(version(root)).toBe(nextVersion(before, "minor"));
        expect(read(root, "CHANGELOG.md")).toMatch(/^- (?:\w+: )?\*\*Breaking:\*\*/m);
      }
    } else {
      expectStatus(gate, 0);
    }
    released = version(root);
    for (const id of ["cgroupkit", "cgroupkit-ebpf", "cgroupkit-testing"]) expect(fs.existsSync(path.join(root, `etc/baseline/${id}.d.ts`)), id).toBe(true);
    expect(fs.existsSync(path.join(root, "codegen/api-lock.json"))).toBe(true);
  }, STEP_TIMEOUT);

  afterAll(() => {
    console.log(`release flow: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("a new control file requires a minor changeset, accepts one, and releases as a minor", () => {
    const next = nextVersion(released, "minor");
    const doc = parseDocument(read(root, SPEC));
    (doc.get("files") as YAMLSeq).add(
      doc.createNode({ file: PROBE, access: "ro", where: "non-root", codec: "u64", unit: "bytes", api: next, doc: "A control file the release-flow test adds to a copy of the spec." }),
    );
    fs.writeFileSync(path.join(root, SPEC), doc.toString());
    expectStatus(npm(root, "generate"), 0);
    expect(read(root, "generated/v2/memory.ts")).toContain(`get ${PROBE_PROPERTY}(): ReadOnlyFile<bigint>`);
    const without = npm(root, "api:gate", "--local");
    expectStatus(without, 1);
    expect(read(root, "etc/cgroupkit.api.md")).toContain(PROBE_PROPERTY);
    expect(without.output).toContain("required bump: minor");
    expect(without.output).toMatch(/minor: cgroupkit: MemoryV2: grew or changed: .*releaseGateProbe/);
    expect(without.output).not.toMatch(/^\s+major:/m);
    expect(without.output).toContain("problem: no pending changeset; this change needs a minor one");

    writeChangeset(root, "release-gate-probe", "minor", `Add \`${PROBE}\` (MemoryV2.${PROBE_PROPERTY}).`);
    const release = npm(root, "release:version", "--no-build");
    expectStatus(release, 0);
    expect(release.output).toContain("required bump: minor");
    expect(release.output).toContain("api gate: PASS");
    expect(version(root)).toBe(next);
    expect(read(root, "CHANGELOG.md")).toMatch(new RegExp(`^## ${next.replace(/\./g, "\\.")}\\n\\n### Minor Changes\\n\\n- Add \`${PROBE}\``, "m"));
    expect(fs.existsSync(path.join(root, ".changeset/release-gate-probe.md"))).toBe(false);
    const lock = JSON.parse(read(root, "codegen/api-lock.json")) as { release: string; entries: Record<string, { api: string }> };
    expect(lock.release).toBe(next);
    expect(lock.entries[`v2/memory/${PROBE}`]?.api).toBe(next);
    expect(read(root, "etc/baseline/cgroupkit.d.ts")).toMatch(new RegExp(`^// cgroupkit ${next.replace(/\./g, "\\.")}:[\\s\\S]*get ${PROBE_PROPERTY}\\(\\)`));
  }, STEP_TIMEOUT);

  it("removing a released control file is refused by the generator, naming the entry and the release", () => {
    const spec = read(root, SPEC);
    const doc = parseDocument(spec);
    const files = doc.get("files") as YAMLSeq;
    const index = files.items.findIndex((item) => (item as { get(key: string): unknown }).get("file") === PROBE);
    expect(index).toBeGreaterThanOrEqual(0);
    files.delete(index);
    fs.writeFileSync(path.join(root, SPEC), doc.toString());
    const generated = read(root, "generated/v2/memory.ts");
    const generate = npm(root, "generate");
    expectStatus(generate, 1);
    expect(generate.output).toContain(`v2/memory/${PROBE}: removed, but it was released in ${nextVersion(released, "minor")}`);
    expect(read(root, "generated/v2/memory.ts"), "a refused spec writes nothing").toBe(generated);
    fs.writeFileSync(path.join(root, SPEC), spec);
  }, STEP_TIMEOUT);

  it("a changed return type requires a major changeset; a minor one is rejected", () => {
    edit(root, "src/resources/conversions.ts", /export function cpuWeightToShares\(weight: number\): bigint \{/, "export function cpuWeightToShares(weight: number): bigint | number {");
    writeChangeset(root, "retype", "minor", "cpuWeightToShares may return a number.");
    const minor = npm(root, "api:gate", "--local");
    expectStatus(minor, 1);
    expect(minor.output).toContain("required bump: major");
    expect(minor.output).toMatch(/major: cgroupkit: cpuWeightToShares: code written against the last release no longer compiles: .*number/);
    expect(minor.output).toContain("problem: the pending changesets declare minor; this change needs major");
    expect(gateResult(root)).toMatchObject({ required: { bump: "major" }, declared: { bump: "minor" }, pass: false });
  }, STEP_TIMEOUT);
});
