// Case 6: full regeneration time, and the time and memory it takes to import the package.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { generate } from "../../codegen/main.js";
import { compare, spread, timeOnce, type Contender } from "../harness.js";
import type { BenchContext, CaseResult, CaseRow } from "../types.js";

/** Runs in a fresh node: import the module, report the time and the heap/RSS growth (after GC). */
const IMPORT_PROBE = `
const target = process.argv[1];
globalThis.gc();
const before = process.memoryUsage();
const t0 = performance.now();
if (target !== "") await import(target);
const ms = performance.now() - t0;
globalThis.gc();
const after = process.memoryUsage();
process.stdout.write(JSON.stringify({ ms, heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss, external: after.external - before.external }));
`;

interface ImportSample {
  ms: number;
  heap: number;
  rss: number;
  external: number;
}

function probe(target: string): ImportSample {
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", IMPORT_PROBE, target], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`import ${target || "(nothing)"}: exit ${r.status}: ${r.stderr.trim().slice(0, 400)}`);
  return JSON.parse(r.stdout) as ImportSample;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export async function codegenCase(ctx: BenchContext): Promise<CaseResult> {
  const rows: CaseRow[] = [];
  const tables: Array<NonNullable<CaseResult["tables"]>[number]> = [];

  // Regeneration, in-process: spec → generated text (no writes). The first call loads ts-morph's compiler.
  const cold = await timeOnce(() => generate(ctx.root));
  const warm: number[] = [];
  let fileCount = 0;
  let controlFiles = 0;
  for (let i = 0; i < (ctx.quick ? 1 : 2); i++) {
    warm.push(
      await timeOnce(() => {
        const r = generate(ctx.root);
        fileCount = r.files.size;
        controlFiles = r.manifest.length;
      }),
    );
  }
  // As a user runs it: a fresh process (tsx) that generates and compares with generated/ (`--check` writes nothing).
  const tsx = path.join(ctx.root, "node_modules/tsx/dist/cli.mjs");
  const processTimes: number[] = [];
  let checkOutput = "";
  for (let i = 0; i < (ctx.quick ? 1 : 2); i++) {
    processTimes.push(
      await timeOnce(() => {
        const r = spawnSync(process.execPath, [tsx, "codegen/main.ts", "--check"], { cwd: ctx.root, encoding: "utf8" });
        checkOutput = `${r.stdout}${r.stderr}`.trim().split("\n").at(-1) ?? "";
      }),
    );
  }
  tables.push({
    title: "Regeneration (spec/*.yaml → generated/)",
    header: ["what", "seconds (median)", "detail"],
    rows: [
      ["`npm run generate -- --check` (fresh process: tsx, load, validate, emit, compare)", spread(processTimes).median.toFixed(2), `${processTimes.length} runs; last says: ${checkOutput}`],
      ["generate() in-process, first call (loads ts-morph)", cold.toFixed(2), `${fileCount} files for ${controlFiles} control files`],
      ["generate() in-process, warm", spread(warm).median.toFixed(2), `${warm.length} runs`],
      ...(ctx.buildSeconds !== undefined ? [["tsc of src + generated (this run's compile)", ctx.buildSeconds.toFixed(1), "tsc -p tsconfig.build.json, no declarations"]] : []),
    ],
  });
  ctx.progress("codegen");

  // Import cost of the compiled package and of its parts, each in a fresh process, interleaved.
  const dist = ctx.distDir;
  const targets: Array<[string, string]> = [
    ["nothing (node start-up baseline)", ""],
    ["cgroupkit (dist/src/index.js: everything)", pathToFileURL(path.join(dist, "src/index.js")).href],
    ["generated/index.js (all accessor classes)", pathToFileURL(path.join(dist, "generated/index.js")).href],
    ["src/runtime/index.js (codecs, fs, base classes)", pathToFileURL(path.join(dist, "src/runtime/index.js")).href],
    ["zod (used by the OCI resources parser)", "zod"],
    ["koffi (FFI for bpf(2); loaded on first eBPF use)", "koffi"],
    ["src/cgroup/index.js (Cgroup handle, mounts; pulls in generated/)", pathToFileURL(path.join(dist, "src/cgroup/index.js")).href],
    ["src/resources/oci.js (OCI linux.resources parser; pulls in zod)", pathToFileURL(path.join(dist, "src/resources/oci.js")).href],
  ];
  for (const [, t] of targets) if (t.startsWith("file:") && !fs.existsSync(new URL(t))) throw new Error(`codegen: ${t} is missing (compile first; drop --no-build)`);
  const samples = new Map<string, ImportSample[]>(targets.map(([label]) => [label, []]));
  const contenders: Contender[] = targets.map(([label, target]) => ({
    name: label,
    ops: 1,
    vs: target === "" ? undefined : "nothing (node start-up baseline)",
    run: () => void samples.get(label)!.push(probe(target)),
  }));
  const wall = await compare(contenders, { rounds: ctx.quick ? 3 : 7, warmup: 1 });
  rows.push({ subject: "Whole process: `node -e 'await import(X)'`, wall time", results: wall });
  tables.push({
    title: "Import of the compiled package, measured inside the process (median over rounds; memory after a GC)",
    header: ["module", "import ms", "heap MiB", "RSS MiB", "external MiB"],
    rows: targets.map(([label]) => {
      const s = samples.get(label)!;
      const m = (key: keyof ImportSample) => spread(s.map((x) => x[key])).median;
      return [label, m("ms").toFixed(1), mib(m("heap")), mib(m("rss")), mib(m("external"))];
    }),
  });
  ctx.progress("import");

  return {
    id: "codegen",
    title: "6. Codegen and import",
    unit: "ms/run",
    rows,
    tables,
    notes: [
      "Imports run the tsc output of src/ and generated/ (what `npm run build` puts in dist/), in a fresh `node --expose-gc` per sample; the wall-time table includes node's own start-up, whose ratio row is the baseline.",
      "Accessor objects are built lazily on first use (cg.v1/cg.v2 per controller, a file object per property access); importing builds the classes and their codec instances only.",
    ],
  };
}
