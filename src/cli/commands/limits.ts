// `cgroupkit limits`: the memory, CPU and pids limits that bind this process, each with its source;
// `--heap-mb F` is the form an entrypoint passes to node --max-old-space-size.
import * as os from "node:os";
import { effectiveLimits, type EffectiveLimits, type LimitFigure } from "../../resources/effective.js";
import { UsageError, optionValue } from "../args.js";
import type { CliContext } from "../context.js";
import { humanBytes, table } from "../output.js";
import type { Verb } from "../verb.js";

const MIB = 1024n * 1024n;

/** `--heap-mb`'s fraction: a decimal in (0, 1]. @internal */
export function heapFraction(text: string): number {
  const value = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(value > 0 && value <= 1)) throw new UsageError(`--heap-mb ${JSON.stringify(text)}: expected a fraction of the memory limit, above 0 and at most 1 (0.75)`, "limits");
  return value;
}

/**
 * Megabytes (MiB) for `--max-old-space-size`: the fraction of the tighter of memory.max and
 * memory.high (past high the kernel throttles the heap's growth hard); undefined when neither is set.
 * @internal
 */
export function heapMegabytes(limits: EffectiveLimits, fraction: number): bigint | undefined {
  const bounds = [limits.memory.max.value, limits.memory.high.value].filter((v): v is bigint => v !== "none");
  if (bounds.length === 0) return undefined;
  const bytes = bounds.reduce((a, b) => (b < a ? b : a));
  // fraction in thousandths, so a bigint byte count is never rounded through a float
  const mib = (bytes * BigInt(Math.round(fraction * 1000))) / 1000n / MIB;
  return mib > 0n ? mib : 1n;
}

function where(f: LimitFigure<unknown>): string {
  if (f.file === undefined) return "-";
  return f.group !== undefined ? `${f.file} of ${f.group} (${f.path})` : `${f.file}${f.path !== undefined ? ` (${f.path})` : ""}`;
}

function cpus(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, "");
}

/** @internal */
export const limitsVerb: Verb = {
  name: "limits",
  summary: "show the memory, CPU and pids limits that bind this process (minimum over its ancestors)",
  usage: ["limits [--json]", "limits --heap-mb FRACTION"],
  description:
    "Reads this process's own group in every hierarchy (from /proc/self/mountinfo and /proc/self/cgroup, so it is\n" +
    "right inside a container's cgroup namespace) and walks up through every ancestor it can see: memory is the\n" +
    "lowest memory.max (v1 memory.limit_in_bytes), memory.high apart; CPUs the tightest of the ancestors'\n" +
    "quota/period, the count of cpuset.cpus.effective and the CPU affinity, as a fraction; and the lowest pids.max.\n" +
    "Each figure names the file and group it came from; \"none\" means nothing limits it.\n" +
    "\n" +
    "os.availableParallelism() counts the CPU affinity only (newer libuv also rounds down by the process's own\n" +
    "cgroup v2 cpu.max); `cpus available` here also folds in every ancestor's quota, v1 quotas and cpusets.\n" +
    "\n" +
    "--heap-mb F prints one integer, F times the tighter of memory.max and memory.high in MiB, for\n" +
    "node --max-old-space-size; with no memory limit it prints nothing (exit 0), so ${HEAP:+…} drops the flag.",
  syntax: {
    options: [{ name: "heap-mb", takes: "value", valueName: "FRACTION", help: "print FRACTION of the memory limit in MiB (for --max-old-space-size), nothing when unlimited" }],
    positionals: { min: 0, max: 0 },
  },
  examples: [
    ["cgroupkit limits", "what binds this process, and where each figure comes from"],
    ["cgroupkit limits --json | jq .memory.max.value", "the memory limit in bytes, or \"none\""],
    ['HEAP=$(cgroupkit limits --heap-mb 0.75) && exec node ${HEAP:+--max-old-space-size=$HEAP} server.js', "an entrypoint sizing V8's heap to 75% of the limit"],
  ],
  async run(ctx: CliContext) {
    const fractionText = optionValue(ctx.args, "heap-mb");
    const fraction = fractionText === undefined ? undefined : heapFraction(fractionText);
    const limits = await effectiveLimits(undefined, { fs: ctx.fs });
    if (fraction !== undefined) {
      const mib = heapMegabytes(limits, fraction);
      if (mib === undefined) ctx.io.stderr("cgroupkit limits: no memory limit binds this process: nothing printed\n");
      else ctx.print(String(mib));
      return 0;
    }
    if (ctx.json) {
      ctx.printJson(limits);
      return 0;
    }
    const bytes = (f: LimitFigure<bigint>) => (f.value === "none" ? "none" : `${humanBytes(f.value)} (${f.value})`);
    const count = (f: LimitFigure<number>) => (f.value === "none" ? "none" : cpus(f.value));
    const c = limits.cpu;
    const rows = [
      ["LIMIT", "VALUE", "FROM"],
      ["memory.max", bytes(limits.memory.max), where(limits.memory.max)],
      ["memory.high", bytes(limits.memory.high), where(limits.memory.high)],
      ["cpus", count(c.max), where(c.max)],
      ["  quota", count(c.quota), where(c.quota)],
      ["  cpuset", c.cpuset.value === "none" ? "none" : `${c.cpuset.value} (${c.cpuset.cpus})`, where(c.cpuset)],
      ["  affinity", count(c.affinity), where(c.affinity)],
      ["pids.max", limits.pids.max.value === "none" ? "none" : String(limits.pids.max.value), where(limits.pids.max)],
    ];
    ctx.print(table(rows));
    ctx.print(`cpus available: ${cpus(c.available)} of ${c.online} online (os.availableParallelism() says ${availableParallelism()})`);
    for (const h of limits.hidden) ctx.print(`note: ${h}`);
    for (const u of limits.unreadable) ctx.print(`unreadable: ${u}`);
    return 0;
  },
};

function availableParallelism(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}
