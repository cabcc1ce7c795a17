// Case 1: one control file read through a typed accessor vs node:fs reading the same file.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import type { ReadableFile } from "../../src/runtime/accessor.js";
import { compare, type Contender } from "../harness.js";
import type { BenchContext, CaseResult } from "../types.js";

interface ReadSubject {
  readonly label: string;
  readonly kind: string;
  /** The accessor, fetched through a handle on every call as user code does. */
  readonly file: (cg: Cgroup) => ReadableFile<unknown>;
  /** What a hand-written reader would do with the text. */
  readonly handParse: (text: string) => unknown;
}

const parseU64 = (text: string) => BigInt(text.trim());
function parseFlat(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const sp = line.indexOf(" ");
    out[line.slice(0, sp)] = BigInt(line.slice(sp + 1));
  }
  return out;
}

export async function readCase(ctx: BenchContext): Promise<CaseResult> {
  const name = ctx.groups.name("read");
  const cg = await Cgroup.create(name, { controllers: ["memory", "cpu"] });
  const memoryV2 = cg.placement("memory")?.hierarchy.version === "v2";
  const cpuV2 = cg.placement("cpu")?.hierarchy.version === "v2";
  const subjects: ReadSubject[] = [
    memoryV2
      ? { label: "memory.current", kind: "small (u64)", file: (g) => g.requireV2("memory").current, handParse: parseU64 }
      : { label: "memory.usage_in_bytes", kind: "small (u64)", file: (g) => g.v1.memory!.usageInBytes, handParse: parseU64 },
    cpuV2
      ? { label: "cpu.stat", kind: "keyed", file: (g) => g.v2.base.cpu.stat, handParse: parseFlat }
      : { label: "cpu.stat (v1)", kind: "keyed", file: (g) => g.v1.cpu!.stat, handParse: parseFlat },
    memoryV2
      ? { label: "memory.stat", kind: "large (keyed)", file: (g) => g.requireV2("memory").stat, handParse: parseFlat }
      : { label: "memory.stat (v1)", kind: "large (keyed)", file: (g) => g.v1.memory!.stat, handParse: parseFlat },
  ];
  // On a hybrid host the cgroup2 group carries cpu.stat too (a base file, no controller needed).
  if (!cpuV2 && cg.v2Placement) subjects.splice(2, 0, { label: "cpu.stat (cgroup2)", kind: "keyed", file: (g) => g.v2.base.cpu.stat, handParse: parseFlat });

  // Async reads cost far more per call on a busy machine: fewer per batch keeps the case short.
  const ops = ctx.quick ? 200 : 1000;
  const asyncOps = ctx.quick ? 50 : 200;
  const rows = [];
  try {
    for (const s of subjects) {
      const path = s.file(cg).path;
      const bytes = fs.readFileSync(path).length;
      // The contenders must agree before they are timed.
      const typed = await s.file(cg).read();
      if (typeof typed !== typeof s.handParse(fs.readFileSync(path, "utf8"))) {
        throw new Error(`${path}: the contenders disagree`);
      }
      // Sync and async contenders are compared in separate interleaved groups: thread-pool and
      // promise work left behind by an async batch would otherwise land on the next sync one.
      const sync: Contender[] = [
        { name: "fs.readFileSync", ops, run: () => void repeatSync(ops, () => fs.readFileSync(path, "utf8")) },
        { name: "accessor.readSync()", ops, vs: "fs.readFileSync", run: () => void repeatSync(ops, () => s.file(cg).readSync()) },
        { name: "fs.readFileSync + hand parse", ops, vs: "fs.readFileSync", run: () => void repeatSync(ops, () => s.handParse(fs.readFileSync(path, "utf8"))) },
      ];
      const async: Contender[] = [
        { name: "fs.promises.readFile", ops: asyncOps, run: () => repeatAsync(asyncOps, () => fsp.readFile(path, "utf8")) },
        { name: "accessor.read()", ops: asyncOps, vs: "fs.promises.readFile", run: () => repeatAsync(asyncOps, () => s.file(cg).read()) },
      ];
      const rounds = { rounds: ctx.quick ? 5 : 11, warmup: 2 };
      const results = [...(await compare(sync, rounds)), ...(await compare(async, rounds))];
      rows.push({ subject: `${s.label} [${s.kind}, ${bytes} B]`, file: path, results });
      ctx.progress(`read ${s.label}`);
    }
  } finally {
    await cg.remove();
  }
  return {
    id: "read",
    title: "1. Read one control file: typed accessor vs node:fs (per read; target ≤ 1.05× raw)",
    unit: "µs/read",
    target: { contenders: ["accessor.read()", "accessor.readSync()"], maxRatio: 1.05 },
    rows,
    notes: [
      "One read at a time (async reads awaited one by one); the accessor is fetched through the handle on every call (`cg.v1.memory!.usageInBytes.read()`), as user code does.",
      "The group is an empty bench group: the files have their full set of keys, with small values.",
    ],
  };
}

function repeatSync(n: number, fn: () => unknown): void {
  for (let i = 0; i < n; i++) fn();
}

async function repeatAsync(n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await fn();
}
