// `top`: a live view of the groups under a point of the hierarchy, like systemd-cgtop, with the
// figures cgtop lacks (memory against its limit, PSI, OOM kills and pids.max hits since start).
import { isatty } from "node:tty";
import { Cgroup } from "../../cgroup/cgroup.js";
import type { CgroupHierarchy } from "../../cgroup/mounts.js";
import { renderFrame, type PsiResource } from "../../top/render.js";
import { TOP_ORDERS, TopSampler, sortRows, type TopFrame, type TopOrder, type TopTarget } from "../../top/sampler.js";
import { UsageError, optionValue } from "../args.js";
import { groupArg, hierarchyLabel, layoutOf, type CliContext } from "../context.js";
import { toJson } from "../output.js";
import type { Verb } from "../verb.js";
import { walk } from "./tree.js";

/** The interactive keys, as systemd-cgtop has them. */
const KEYS: Readonly<Record<string, TopOrder>> = { p: "path", t: "tasks", c: "cpu", m: "memory", i: "io" };
const PSI_RESOURCES: readonly PsiResource[] = ["cpu", "memory", "io"];
const DEFAULT_DEPTH = 3;
/**
 * The hierarchies top walks, as systemd-cgtop does: those of the controllers it shows (and cgroup2).
 * A group only in, say, the devices hierarchy has no figure here; walking fewer trees keeps a refresh cheap.
 */
const SHOWN = new Set(["memory", "pids", "cpu", "cpuacct", "blkio"]);
const shownHierarchy = (h: CgroupHierarchy) => h.version === "v2" || h.controllers.some((c) => SHOWN.has(c));

function positiveNumber(ctx: CliContext, name: string, fallback: number, integer: boolean): number {
  const text = optionValue(ctx.args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  const ok = integer ? /^\d+$/.test(text) && value >= 1 : /^\d+(\.\d+)?$|^\.\d+$/.test(text) && value >= 0.05;
  if (!ok) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected ${integer ? "a positive integer" : "seconds, at least 0.05 (e.g. 1 or 0.5)"}`);
  return value;
}

function choice<T extends string>(ctx: CliContext, name: string, allowed: readonly T[], fallback: T): T {
  const text = optionValue(ctx.args, name);
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected one of ${allowed.join(", ")}`);
  return text as T;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** @internal */
export const topVerb: Verb = {
  name: "top",
  summary: "live view of groups by CPU, memory, io and tasks, with limits, PSI and OOM kills (like systemd-cgtop)",
  usage: ["top [-d SECONDS] [--order ORDER] [--depth N] [--psi RESOURCE] [GROUP]", "top -b [-n N] [--json] [GROUP]"],
  description:
    "Shows GROUP (default: every group but the hierarchy roots) and the groups under it, refreshed every\n" +
    "-d seconds. Columns:\n" +
    "PIDS/MAX (pids.current against pids.max), CPU% (usage between refreshes; 100 = one CPU),\n" +
    "MEM and its LIMIT (a bar on a terminal, the percentage otherwise), IO/s (read + write),\n" +
    "PSI s/f (avg10 some/full of --psi RESOURCE, default memory; cgroup2 only), OOM+ (OOM kills)\n" +
    "and PMX+ (pids.max hits) since top first saw the group. The second line names the version\n" +
    "(v1 or cgroup2) each column is read from; a cell read from the other version is marked *.\n" +
    "Groups that appear or go away between refreshes are added or dropped.\n" +
    "\n" +
    "Keys: p t c m i sort by path, tasks, cpu, memory, io; q (or Ctrl-C) quits.\n" +
    "Not on a terminal, or with -b, it prints plain frames (one --json object per line with --json).",
  syntax: {
    options: [
      { name: "delay", short: "d", takes: "value", valueName: "SECONDS", help: "refresh interval (default 1)" },
      { name: "iterations", short: "n", takes: "value", valueName: "N", help: "stop after N refreshes (default: run until q)" },
      { name: "batch", short: "b", takes: "flag", help: "plain text frames, no screen handling or keys" },
      { name: "order", takes: "value", valueName: "ORDER", help: `sort by ${TOP_ORDERS.join(", ")} (default cpu)` },
      { name: "depth", takes: "value", valueName: "N", help: `show groups at most N levels below GROUP (default ${DEFAULT_DEPTH})` },
      { name: "psi", takes: "value", valueName: "RESOURCE", help: "the PSI column's file: cpu, memory or io (default memory)" },
    ],
    positionals: { min: 0, max: 1 },
  },
  examples: [
    ["cgroupkit top", "every group, refreshed each second"],
    ["cgroupkit top --order memory --depth 1 machine.slice", "one level under machine.slice, largest memory first"],
    ["cgroupkit top -b -n 3 -d 0.5", "three plain frames, half a second apart"],
    ["cgroupkit top --json -n 1 | jq '.groups[0]'", "one refresh as JSON"],
  ],
  async run(ctx: CliContext) {
    const delayMs = positiveNumber(ctx, "delay", 1, false) * 1000;
    const iterations = positiveNumber(ctx, "iterations", Infinity, true);
    const depthText = optionValue(ctx.args, "depth");
    if (depthText !== undefined && !/^\d+$/.test(depthText)) throw new UsageError(`--depth ${JSON.stringify(depthText)}: expected a non-negative integer`);
    const depth = depthText === undefined ? DEFAULT_DEPTH : Number(depthText);
    let order = choice(ctx, "order", TOP_ORDERS, "cpu");
    const psi = choice(ctx, "psi", PSI_RESOURCES, "memory");
    const text = ctx.args.positionals[0];
    const start = text === undefined || text === "/" ? "" : groupArg(text);

    const layout = await ctx.layout();
    await walk(ctx, start, 0, shownHierarchy); // a missing GROUP is one clear line before anything is drawn
    const sampler = new TopSampler(async (): Promise<TopTarget[]> =>
      (await walk(ctx, start, depth, shownHierarchy))
        .filter((g) => g.name !== "") // the hierarchy root is no group a handle opens
        .map(({ name, holding }) => ({ name, hierarchies: holding.map(hierarchyLabel), open: () => Cgroup.open(name, { layout: layoutOf(layout, holding), fs: ctx.fs }) })),
    );
    const heading = { root: `/${start}`, intervalSeconds: delayMs / 1000 };
    try {
      if (ctx.json || ctx.args.flags.has("batch") || !isatty(1)) {
        for (let i = 0; i < iterations; i++) {
          if (i > 0) await sleep(delayMs);
          const frame = await sampler.sample();
          const rows = sortRows(frame.rows, order);
          if (ctx.json) {
            ctx.io.stdout(`${toJson({ time: frame.time.toISOString(), group: start === "" ? "/" : start, order, groups: rows.map(({ name, ...row }) => ({ group: name, ...row })), appeared: frame.appeared, vanished: frame.vanished, cost: frame.cost }, 0)}\n`);
          } else {
            const lines = renderFrame(frame, rows, { width: Number(process.env.COLUMNS) || 80, color: false, bar: false, order, psi, ...heading });
            ctx.io.stdout(`${i > 0 ? "\n" : ""}${lines.join("\n")}\n`);
          }
        }
        return 0;
      }
      return await interactive(ctx, sampler, { delayMs, iterations, psi, heading, order: () => order, setOrder: (o) => (order = o) });
    } finally {
      sampler.close();
    }
  },
};

/** The full-screen loop: alternate screen, raw keys, redraw on a key or a resize; the terminal is restored however it ends. */
async function interactive(
  ctx: CliContext,
  sampler: TopSampler,
  options: { delayMs: number; iterations: number; psi: PsiResource; heading: { root: string; intervalSeconds: number }; order: () => TopOrder; setOrder: (o: TopOrder) => void },
): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const color = process.env.NO_COLOR === undefined || process.env.NO_COLOR === "";
  const keysOn = stdin.isTTY === true;
  let frame: TopFrame | undefined;
  let exitCode: number | undefined;
  let wake: (() => void) | undefined;
  const stop = (code: number) => {
    exitCode ??= code;
    wake?.();
  };
  const draw = () => {
    if (!frame) return;
    const lines = renderFrame(frame, sortRows(frame.rows, options.order()), { width: stdout.columns || 80, height: stdout.rows || 24, color, bar: true, order: options.order(), psi: options.psi, ...options.heading, keys: keysOn });
    // Raw mode turns off the terminal's newline translation: each line ends with CR LF, erased to its end.
    ctx.io.stdout(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}\x1b[J`);
  };
  const onKey = (data: Buffer) => {
    for (const ch of data.toString("latin1")) {
      if (ch === "q" || ch === "Q") stop(0);
      else if (ch === "\x03") stop(130);
      else if (KEYS[ch]) {
        options.setOrder(KEYS[ch]);
        draw();
      }
    }
  };
  const signals: Array<[NodeJS.Signals, number]> = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]];
  const handlers = signals.map(([sig, code]) => [sig, () => stop(code)] as const);
  const restore = () => {
    ctx.io.stdout("\x1b[0m\x1b[?25h\x1b[?1049l");
    if (keysOn) {
      stdin.setRawMode(false);
      stdin.off("data", onKey);
      stdin.pause();
    }
  };
  // Whatever ends the process (an uncaught error included) leaves the terminal usable.
  process.once("exit", restore);
  for (const [sig, h] of handlers) process.on(sig, h);
  stdout.on("resize", draw);
  ctx.io.stdout("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  if (keysOn) {
    stdin.setRawMode(true);
    stdin.on("data", onKey);
    stdin.resume();
  }
  try {
    for (let i = 0; i < options.iterations && exitCode === undefined; i++) {
      frame = await sampler.sample();
      draw();
      if (i + 1 >= options.iterations) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.delayMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    process.off("exit", restore);
    for (const [sig, h] of handlers) process.off(sig, h);
    stdout.off("resize", draw);
    restore();
  }
  return exitCode ?? 0;
}
