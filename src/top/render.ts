// `cgroupkit top`'s screen: fixed-width columns that fit the terminal (80 columns at least), the
// group path truncated from the left, a memory bar on a terminal, and a note naming where each
// column's figures come from (v1 or cgroup2), marking any cell read from the other version.
import type { TopFrame, TopOrder, TopRow } from "./sampler.js";
import { planSources, type UsagePart } from "./sources.js";

/** Which PSI file the PSI column shows. @internal */
export type PsiResource = "cpu" | "memory" | "io";

/** @internal */
export interface RenderOptions {
  /** Terminal width (the screen never exceeds it; below 80 it is treated as 80). */
  readonly width: number;
  /** Lines available for the whole screen; undefined: every row (batch mode). */
  readonly height?: number;
  /** ANSI colours. */
  readonly color: boolean;
  /** A bar in the memory-limit column (on a terminal); otherwise the percentage as text. */
  readonly bar: boolean;
  readonly order: TopOrder;
  readonly psi: PsiResource;
  /** The group shown (`/` + its name) and the refresh interval, for the first line. */
  readonly root: string;
  readonly intervalSeconds: number;
  /** Key help on the first line (interactive only). */
  readonly keys?: boolean;
}

const ESC = "\x1b[";
const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

/** Bytes in at most 5 characters: `512B`, `12.3K`, `640M`, `1.5G`. @internal */
export function compactBytes(value: bigint | number): string {
  let v = Number(value);
  const units = ["B", "K", "M", "G", "T", "P", "E"];
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)}B`;
  return `${v < 100 ? (Math.floor(v * 10) / 10).toFixed(1) : Math.round(v) >= 1024 ? "1023" : Math.round(v)}${units[u]}`;
}

/** A count in at most 5 characters: `4096`, `32k`, `4.2M`. */
function compactCount(value: bigint): string {
  const n = Number(value);
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function percent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

/** A bar of `cells` characters filled to `fraction`, in eighths. */
function bar(fraction: number, cells: number): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * cells * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const s = "█".repeat(full) + (partial > 0 ? (" ▏▎▍▌▋▊▉"[partial] as string) : "");
  return s.padEnd(cells, "·");
}

/** A path in `width` characters: the tail kept (the group's own name matters most), `…` in front. @internal */
export function truncatePath(path: string, width: number): string {
  if (path.length <= width) return path;
  if (width <= 1) return "…".slice(0, width);
  return `…${path.slice(path.length - (width - 1))}`;
}

type Part = UsagePart;

interface Column {
  readonly header: string;
  readonly width: number;
  /** Plain text, and an optional colour code for it. */
  cell(row: TopRow, marked: (part: Part) => boolean): { text: string; color?: string };
  readonly order?: TopOrder;
}

function columns(options: RenderOptions): Column[] {
  const mark = (text: string, on: boolean) => (on ? `${text}*` : text);
  return [
    {
      header: "PIDS/MAX",
      width: 9,
      order: "tasks",
      cell: (r, m) => ({ text: r.pids ? mark(`${r.pids.current}/${r.pids.max === "max" ? "max" : compactCount(r.pids.max)}`, m("pids")) : "-" }),
    },
    { header: "CPU%", width: 5, order: "cpu", cell: (r, m) => ({ text: r.cpu ? mark(percent(r.cpu.percent), m("cpu")) : "-", color: (r.cpu?.percent ?? 0) >= 50 ? "1" : undefined }) },
    { header: "MEM", width: 6, order: "memory", cell: (r, m) => ({ text: r.memory ? mark(compactBytes(r.memory.current), m("memory")) : "-" }) },
    {
      header: options.bar ? "LIMIT" : "USE% LIMIT",
      width: 11,
      cell: (r) => {
        const mem = r.memory;
        if (!mem) return { text: "-" };
        const limit = mem.max === "max" ? "max" : compactBytes(mem.max);
        const f = mem.fraction;
        const color = f === undefined ? undefined : f >= 0.9 ? "31" : f >= 0.7 ? "33" : "32";
        if (options.bar) return { text: `${f === undefined ? "     " : bar(f, 5)} ${limit.padStart(5)}`, color };
        return { text: `${(f === undefined ? "-" : `${Math.round(f * 100)}%`).padStart(4)} ${limit.padStart(6)}`, color };
      },
    },
    { header: "IO/s", width: 5, order: "io", cell: (r, m) => ({ text: r.io ? mark(r.io.bytesPerSecond === undefined ? "-" : compactBytes(r.io.bytesPerSecond), m("io")) : "-" }) },
    {
      header: "PSI s/f",
      width: 9,
      cell: (r) => {
        const p = r.pressure?.[options.psi];
        if (!p) return { text: "-" };
        const text = `${percent(p.some)}/${percent(p.full)}`;
        return { text, color: (p.some ?? 0) >= 10 ? "33" : undefined };
      },
    },
    { header: "OOM+", width: 4, cell: (r) => ({ text: r.memory ? String(r.memory.oomKillsDelta) : "-", color: (r.memory?.oomKillsDelta ?? 0n) > 0n ? "31;1" : undefined }) },
    { header: "PMX+", width: 4, cell: (r) => ({ text: r.pids?.maxHitsDelta === undefined ? "-" : String(r.pids.maxHitsDelta), color: (r.pids?.maxHitsDelta ?? 0n) > 0n ? "33;1" : undefined }) },
  ];
}

/** The screen (or one batch frame) as lines, none wider than `max(80, width)`. @internal */
export function renderFrame(frame: TopFrame, rows: readonly TopRow[], options: RenderOptions): string[] {
  const width = Math.max(80, options.width);
  const cols = columns(options);
  const fixed = cols.reduce((n, c) => n + c.width + 1, 0);
  const pathWidth = width - fixed;
  const plan = planSources(rows.map((r) => r.sources));
  const sortMark = (c: { header: string; order?: TopOrder }, w: number) => {
    const text = c.order === options.order ? `${c.header}▼` : c.header;
    return text.length > w ? c.header : text;
  };
  const head = [sortMark({ header: "GROUP", order: "path" }, pathWidth).padEnd(pathWidth), ...cols.map((c) => sortMark(c, c.width).padStart(c.width))].join(" ");
  const rest = `  every ${options.intervalSeconds}s  ${frame.time.toISOString().slice(11, 19)}  ${rows.length} group${rows.length === 1 ? "" : "s"}${options.keys ? "  q quit · sort p t c m i" : ""}`;
  // The group's path gives way (from the left, as in the rows) so the key help stays on screen.
  const lines = [
    truncateEnd(`top ${truncatePath(options.root, Math.max(12, width - 4 - rest.length))}${rest}`, width),
    truncateEnd(`${plan.note} · PSI=${options.psi} avg10`, width),
    paint(options.color, "7", head.padEnd(width)),
  ];
  const room = options.height === undefined ? rows.length : Math.max(0, options.height - lines.length);
  for (const row of rows.slice(0, room)) {
    const cells = [row.error ? `${truncatePath(`/${row.name}`, pathWidth - 2)} !` : truncatePath(`/${row.name}`, pathWidth)].map((t) => t.padEnd(pathWidth));
    for (const c of cols) {
      const { text, color } = c.cell(row, (part) => plan.marked(row.sources, part));
      const fitted = text.length > c.width ? text.slice(0, c.width) : text.padStart(c.width);
      cells.push(color ? paint(options.color, color, fitted) : fitted);
    }
    lines.push(cells.join(" "));
  }
  return lines;
}

function truncateEnd(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
