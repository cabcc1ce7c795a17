// Output: JSON that keeps 64-bit integers exact, and short human renderings of typed values.
import { codecs } from "../runtime/codecs/index.js";
import { formatDeviceRule, type DeviceRule } from "../runtime/device-rule.js";

/** cpu/mem lists print compacted (`0-3,5`), as the kernel writes them. */
const rangeListCodec = codecs.rangeList();

export { toJson } from "../runtime/json.js";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** `67108864n` → `64.0 MiB`. @internal */
export function humanBytes(bytes: bigint | number): string {
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Microseconds → `1.234 s` / `12.3 ms`. @internal */
export function humanMicros(usec: bigint | number): string {
  const value = Number(usec);
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(3)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)} ms`;
  return `${value} µs`;
}

function isDeviceRule(v: unknown): v is DeviceRule {
  return typeof v === "object" && v !== null && "type" in v && "major" in v && "minor" in v && "access" in v;
}

function scalar(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "object" && v !== null ? inline(v) : String(v);
}

/** An object on one line: `k=v k=v`. */
function inline(v: object): string {
  if (isDeviceRule(v)) return formatDeviceRule(v);
  return Object.entries(v)
    .map(([k, x]) => `${k}=${scalar(x)}`)
    .join(" ");
}

/**
 * A parsed control-file value as text, close to what the kernel prints: scalars on one line,
 * keyed files as `key value` lines, lists space-separated (cpu/mem lists compacted).
 * @internal
 */
export function renderValue(value: unknown, codec: string): string {
  if (codec === "rangeList" && Array.isArray(value)) return rangeListCodec.format(value as number[], undefined);
  if (codec === "cpuMax" && typeof value === "object" && value !== null) {
    const { quota, period } = value as { quota: unknown; period: unknown };
    return `${String(quota)} ${String(period)}`;
  }
  if (codec === "text" && typeof value === "string") return value.replace(/\n$/, "");
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) return value.map(String).join(codec === "pidList" || codec === "lines" ? "\n" : " ");
    return value.map(scalar).join("\n");
  }
  if (typeof value === "object" && value !== null) {
    if (codec === "blkioStat") {
      const { devices, total } = value as { devices: Record<string, Record<string, bigint>>; total?: bigint };
      const lines = Object.entries(devices).map(([dev, ops]) => `${dev} ${inline(ops)}`);
      if (total !== undefined) lines.push(`Total ${total}`);
      return lines.join("\n");
    }
    return Object.entries(value)
      .map(([k, v]) => `${k} ${scalar(v)}`)
      .join("\n");
  }
  return String(value);
}

/** Left-aligned columns; the last column is not padded. @internal */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number))).join("  ").trimEnd()).join("\n");
}
