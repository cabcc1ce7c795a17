// `-p NAME=VALUE` as systemd-run takes it, for the properties a transient scope uses. systemd-run
// knows every property (bus-unit-util.c); this is the resource-control and scope subset, typed here so a
// mistake is refused with one line before any D-Bus call. An unknown name is refused, never guessed.
import { InvalidValueError } from "../runtime/errors.js";
import { cpuListToMask, SYSTEMD_INFINITY, type UnitProperty } from "./properties.js";

const SIZE_UNITS: Readonly<Record<string, bigint>> = { "": 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, P: 1n << 50n, E: 1n << 60n };
const TIME_UNITS: Readonly<Record<string, bigint>> = { us: 1n, usec: 1n, ms: 1000n, msec: 1000n, s: 1_000_000n, sec: 1_000_000n, "": 1_000_000n, m: 60_000_000n, min: 60_000_000n, h: 3_600_000_000n, hr: 3_600_000_000n };

function bad(name: string, value: string, expected: string): never {
  throw new InvalidValueError(`property ${name}`, value, expected);
}

function size(name: string, value: string): bigint {
  if (value === "infinity") return SYSTEMD_INFINITY;
  const m = /^(\d+)([KMGTPE]?)$/.exec(value);
  if (!m) bad(name, value, "bytes with an optional K, M, G, T suffix (base 1024), or infinity (percentages are not supported here)");
  return BigInt(m[1] as string) * (SIZE_UNITS[m[2] as string] as bigint);
}

function count(name: string, value: string, min = 0n, max = SYSTEMD_INFINITY - 1n): bigint {
  if (value === "infinity" && max === SYSTEMD_INFINITY - 1n) return SYSTEMD_INFINITY;
  if (!/^\d+$/.test(value) || BigInt(value) < min || BigInt(value) > max) bad(name, value, `an integer ${min}..${max === SYSTEMD_INFINITY - 1n ? "2^64-2, or infinity" : max}`);
  return BigInt(value);
}

function timespan(name: string, value: string): bigint {
  if (value === "infinity") return SYSTEMD_INFINITY;
  let total = 0n;
  const parts = value.trim().split(/\s+/);
  for (const part of parts) {
    const m = /^(\d+)([a-z]*)$/.exec(part);
    const unit = m ? TIME_UNITS[m[2] as string] : undefined;
    if (!m || unit === undefined) bad(name, value, "a time span like 30s, 500ms, 5min, or infinity");
    total += BigInt(m[1] as string) * unit;
  }
  return total;
}

function bool(name: string, value: string): boolean {
  if (/^(1|yes|true|on)$/i.test(value)) return true;
  if (/^(0|no|false|off)$/i.test(value)) return false;
  return bad(name, value, "a boolean: yes/no, true/false, 1/0, on/off");
}

/** `PATH VALUE` pairs of the IO*Max and IODeviceWeight properties. */
function deviceValue(name: string, value: string, parse: (v: string) => bigint): UnitProperty {
  const m = /^(\/\S+)\s+(\S+)$/.exec(value.trim());
  if (!m) bad(name, value, "a device path and a value: /dev/sda 10M");
  return [name, { signature: "a(st)", value: [[m[1], parse(m[2] as string)]] }];
}

type Parser = (name: string, value: string) => UnitProperty;
const u64 = (parse: (name: string, value: string) => bigint): Parser => (name, value) => [name, { signature: "t", value: parse(name, value) }];
const boolean: Parser = (name, value) => [name, { signature: "b", value: bool(name, value) }];
const string: Parser = (name, value) => [name, { signature: "s", value }];
const usec =
  (wire: string): Parser =>
  (name, value) => [wire, { signature: "t", value: timespan(name, value) }];

/** The names `-p` accepts and how each value is read. @internal */
export const PROPERTY_PARSERS: Readonly<Record<string, Parser>> = {
  Description: string,
  CollectMode: string,
  KillMode: string,
  DevicePolicy: string,
  Slice: string,
  Delegate: boolean,
  DefaultDependencies: boolean,
  CPUAccounting: boolean,
  MemoryAccounting: boolean,
  IOAccounting: boolean,
  TasksAccounting: boolean,
  IPAccounting: boolean,
  MemoryMax: u64(size),
  MemoryHigh: u64(size),
  MemoryLow: u64(size),
  MemoryMin: u64(size),
  MemorySwapMax: u64(size),
  TasksMax: u64((n, v) => count(n, v, 1n)),
  CPUWeight: u64((n, v) => count(n, v, 1n, 10000n)),
  StartupCPUWeight: u64((n, v) => count(n, v, 1n, 10000n)),
  IOWeight: u64((n, v) => count(n, v, 1n, 10000n)),
  StartupIOWeight: u64((n, v) => count(n, v, 1n, 10000n)),
  CPUQuota: (name, value) => {
    const m = /^(\d+)%$/.exec(value);
    if (!m || m[1] === "0") bad(name, value, "a whole percentage of one CPU, at least 1%: 50%, 200%");
    return ["CPUQuotaPerSecUSec", { signature: "t", value: BigInt(m[1] as string) * 10_000n }];
  },
  CPUQuotaPeriodSec: usec("CPUQuotaPeriodUSec"),
  RuntimeMaxSec: usec("RuntimeMaxUSec"),
  TimeoutStopSec: usec("TimeoutStopUSec"),
  AllowedCPUs: (name, value) => [name, { signature: "ay", value: Buffer.from(cpuListToMask(value, name)) }],
  AllowedMemoryNodes: (name, value) => [name, { signature: "ay", value: Buffer.from(cpuListToMask(value, name)) }],
  IODeviceWeight: (name, value) => deviceValue(name, value, (v) => count(name, v, 1n, 10000n)),
  IOReadBandwidthMax: (name, value) => deviceValue(name, value, (v) => size(name, v)),
  IOWriteBandwidthMax: (name, value) => deviceValue(name, value, (v) => size(name, v)),
  IOReadIOPSMax: (name, value) => deviceValue(name, value, (v) => count(name, v)),
  IOWriteIOPSMax: (name, value) => deviceValue(name, value, (v) => count(name, v)),
  DeviceAllow: (name, value) => {
    const m = /^(\S+)(?:\s+([rwm]+))?$/.exec(value.trim());
    if (!m) bad(name, value, "a device node or class and access: /dev/null rw, char-pts rwm");
    return [name, { signature: "a(ss)", value: [[m[1], m[2] ?? "rwm"]] }];
  },
};

/**
 * Parse one `NAME=VALUE` as systemd-run's `-p` does, for the names in {@link PROPERTY_PARSERS}.
 * @throws {@link InvalidValueError} on an unknown name or a bad value
 * @internal
 */
export function parsePropertyAssignment(text: string): UnitProperty {
  const eq = text.indexOf("=");
  const name = eq > 0 ? text.slice(0, eq) : "";
  const parser = Object.hasOwn(PROPERTY_PARSERS, name) ? PROPERTY_PARSERS[name] : undefined;
  if (parser === undefined) {
    throw new InvalidValueError("--property", text, `NAME=VALUE with NAME one of ${Object.keys(PROPERTY_PARSERS).join(", ")}`);
  }
  return parser(name, text.slice(eq + 1));
}
