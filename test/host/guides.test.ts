// Runs every guide in docs/guides/ for real on this host, as root (conventions: docs/guides/README.md).
// `file=` blocks are written to the guide's work directory and type-checked against dist/ (strict, NodeNext);
// `sh runnable` blocks run there through bash -e -o pipefail with the built CLI on PATH, each block its own shell,
// stdout and stderr in one stream; an `output` block after one must match what it printed (`...` wildcards).
// Group names the guides write as `demo-…` are renamed to a test-owned prefix and removed afterwards, pass or fail.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, ROOT } from "../support/cli.js";
import { guideSteps, matchOutput, normaliseOutput, parseGuide, type GuideStep } from "../support/guides.js";
import { isRoot, leftoverTestGroups, removeTree, testName } from "../support/host.js";

const GUIDES = path.join(ROOT, "docs/guides");
const guideFiles = fs
  .readdirSync(GUIDES)
  .filter((f) => f.endsWith(".md") && f !== "README.md")
  .sort();
const timings: string[] = [];

/** The built CLI as `cgroupkit` on PATH, as `npm install -g` or `npx` would give it. */
function binDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-guides-bin-"));
  fs.symlinkSync(MAIN, path.join(dir, "cgroupkit"));
  return dir;
}

/** The files CI would see (tracked, plus untracked ones git does not ignore), copied; node_modules linked: the maintainer guide edits spec/ there. */
function copyRepository(): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-guides-repo-"));
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const rel of new Set(listed.stdout.split("\0").filter(Boolean))) {
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
  return dest;
}

/** Rename the reader's `demo-` groups to the test's prefix. */
const substitute = (text: string, prefix: string) => text.replace(/\bdemo-/g, `${prefix}-`);

interface Ran {
  status: number | null;
  output: string;
  timedOut: boolean;
}

/** One block in its own bash, in its own process group (killed when the block ends, so a stray `&` job cannot outlive it). */
function runShell(code: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-o", "pipefail", "-c", `exec 2>&1\n${code}`], { cwd, env, stdio: ["ignore", "pipe", "inherit"], detached: true });
    let output = "";
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* the group is gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      killGroup();
      resolve({ status, output, timedOut });
    });
  });
}

/** Every group of this prefix on the host, removed bottom-up with whatever runs in it. */
function removeGroups(prefix: string): void {
  for (const dir of leftoverTestGroups(prefix)) removeTree(dir);
}

interface GuideRun {
  readonly steps: readonly GuideStep[];
  readonly prefix: string;
  readonly workdir: string;
}

/** Write the file blocks, type-check the TypeScript ones, then run each step and compare its output. Throws at the first failure. */
async function runGuide(name: string, markdown: string, log: (line: string) => void): Promise<GuideRun> {
  const guide = parseGuide(markdown);
  const steps = guideSteps(guide);
  const prefix = testName();
  const repoCopy = guide.settings.workdir === "repo-copy";
  // TypeScript files sit under the repository so that `import … from "cgroupkit"` resolves to dist/ by the package's self-reference.
  fs.mkdirSync(path.join(ROOT, "temp"), { recursive: true });
  const workdir = repoCopy ? copyRepository() : fs.mkdtempSync(path.join(ROOT, "temp", `guide-${path.basename(name, ".md")}-`));
  const bin = binDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    // `run` and `spec scan` put their groups under this parent: test-owned, removed below.
    CGROUPKIT_PARENT: `${prefix}-parent`,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  try {
    const files = new Map<string, string>();
    for (const { block } of steps) {
      const file = block.attrs.file;
      if (file !== undefined) files.set(file, (files.get(file) ?? "") + substitute(block.code, prefix));
    }
    for (const [file, text] of files) {
      fs.mkdirSync(path.dirname(path.join(workdir, file)), { recursive: true });
      fs.writeFileSync(path.join(workdir, file), text);
    }
    const tsFiles = [...files.keys()].filter((f) => f.endsWith(".ts"));
    if (tsFiles.length > 0) {
      const tsc = spawnSync(
        process.execPath,
        [path.join(ROOT, "node_modules/typescript/bin/tsc"), "--ignoreConfig", "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2023", "--types", "node", "--skipLibCheck", ...tsFiles],
        { cwd: workdir, encoding: "utf8" },
      );
      if (tsc.status !== 0) throw new Error(`${name}: the guide's TypeScript does not type-check against dist/:\n${tsc.stdout}${tsc.stderr}`);
    }
    for (const step of steps) {
      const { block, expected } = step;
      if (block.attrs.file !== undefined) continue;
      if (block.lang !== "sh" && block.lang !== "bash") throw new Error(`${name}:${block.line}: a runnable ${block.lang} block needs file=NAME (it is written, then run by an sh block)`);
      const started = Date.now();
      const ran = await runShell(substitute(block.code, prefix), workdir, env, Number(block.attrs.timeout ?? 60) * 1000);
      log(`${name}:${block.line}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const shown = normaliseOutput(ran.output, prefix);
      const where = `${name}:${block.line}`;
      if (ran.timedOut) throw new Error(`${where}: timed out after ${block.attrs.timeout ?? 60} s\n${shown}`);
      const want = Number(block.attrs.exit ?? 0);
      if (ran.status !== want) throw new Error(`${where}: exit status ${ran.status}, the guide expects ${want}\n${block.code}--- output\n${shown}`);
      if (expected) {
        const diff = matchOutput(expected.code, shown);
        if (diff !== undefined) throw new Error(`${where}: ${diff}`);
      }
    }
    return { steps, prefix, workdir };
  } finally {
    removeGroups(prefix);
    fs.rmSync(workdir, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

describe("guide conventions (no root needed)", () => {
  it("a wildcard output matches, and a changed figure, a missing line or an extra line does not", () => {
    const expected = "peak memory ... of 64.0 MiB\n...\ndone";
    expect(matchOutput(expected, "peak memory 1.3 MiB of 64.0 MiB\nnoise\nmore\ndone")).toBeUndefined();
    expect(matchOutput(expected, "peak memory 1.3 MiB of 64.0 MiB\ndone")).toBeUndefined();
    expect(matchOutput(expected, "peak memory 1.3 MiB of 128.0 MiB\ndone")).toMatch(/output differs/);
    expect(matchOutput(expected, "peak memory 1.3 MiB of 64.0 MiB")).toMatch(/output differs/);
    expect(matchOutput("a\nb", "a\nb\nc")).toMatch(/output differs/);
    expect(matchOutput("a ... c", "a b\nc")).toMatch(/output differs/); // an inline wildcard stays within its line
  });

  it("every ts/sh block says runnable or norun, and an output block follows a runnable one", () => {
    expect(() => guideSteps(parseGuide("```sh\nls\n```\n"))).toThrow(/neither runnable nor norun/);
    expect(() => guideSteps(parseGuide("```text output\nx\n```\n"))).toThrow(/follows no runnable block/);
    const steps = guideSteps(parseGuide("<!-- guide-test: workdir=repo-copy -->\n```sh runnable exit=1\nfalse\n```\n\n```text output\n```\n"));
    expect(steps).toHaveLength(1);
    expect(steps[0]!.block.attrs.exit).toBe("1");
    expect(parseGuide("<!-- guide-test: workdir=repo-copy -->").settings.workdir).toBe("repo-copy");
  });

  it.each(guideFiles)("%s has runnable steps, and at least one with expected output", (file) => {
    const steps = guideSteps(parseGuide(fs.readFileSync(path.join(GUIDES, file), "utf8")));
    expect(steps.filter((s) => s.block.attrs.file === undefined).length).toBeGreaterThan(0);
    expect(steps.some((s) => s.expected !== undefined)).toBe(true);
  });

  it("README.md links every guide", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const file of guideFiles) expect(readme).toContain(`(docs/guides/${file})`);
  });
});

describe.skipIf(!isRoot)("guides, run on the host (as root)", () => {
  afterAll(() => {
    console.log(`guide steps:\n  ${timings.join("\n  ")}`);
  });

  it("a step that fails, prints other output, or ends with another status fails its guide, and its groups are removed", async () => {
    const broken = async (md: string) => {
      try {
        await runGuide("broken.md", md, () => {});
        return "passed";
      } catch (err) {
        return (err as Error).message;
      }
    };
    // A group made by the failing guide must be gone afterwards.
    const made = "```sh runnable\ncgroupkit create demo-left >/dev/null\necho made\n```\n\n```text output\nmade?\n```\n";
    const result = await broken(made);
    expect(result).toMatch(/output differs/);
    expect(leftoverTestGroups().filter((d) => d.includes("-left"))).toEqual([]);
    expect(await broken("```sh runnable\nfalse\necho unreachable\n```\n")).toMatch(/exit status 1, the guide expects 0/);
    expect(await broken("```sh runnable exit=3\nexit 0\n```\n")).toMatch(/exit status 0, the guide expects 3/);
    expect(await broken("```ts runnable file=x.ts\nconst n: number = 'text';\n```\n\n```sh runnable\necho\n```\n")).toMatch(/does not type-check[^]*TS2322/);
    expect(await broken("```sh runnable\necho ok\n```\n\n```text output\nok\n```\n")).toBe("passed");
  }, 60_000);

  it.each(guideFiles)("%s runs as written", async (file) => {
    const started = Date.now();
    await runGuide(file, fs.readFileSync(path.join(GUIDES, file), "utf8"), (line) => timings.push(line));
    timings.push(`${file}: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  }, 600_000);
});
