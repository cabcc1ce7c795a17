// The declarative tree document (`cgroupkit apply`/`export`): its zod schema, parsing from YAML or JSON, and
// errors that name the path in the document and the value. Limits are the ResourceLimits model; devices a preset
// or a DevicePolicy state; owners uid:gid as Cgroup.delegate takes them.
import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { parseGroupName } from "../cgroup/names.js";
import { parseSize } from "../cli/values.js";
import { DevicePolicy } from "../devices/policy.js";
import { DEVICE_PRESET_NAMES, devicePreset, type DevicePresetName } from "../devices/presets.js";
import { BLKIO_WEIGHT_RANGE, CPU_SHARES_RANGE, CPU_WEIGHT_RANGE } from "../resources/conversions.js";
import type { ResourceLimits } from "../resources/limits.js";
import { InvalidValueError } from "../runtime/errors.js";

/** The device ACL a group asks for: a preset by name, or a policy state. @internal */
export interface TreeDevices {
  /** The preset name, when given as one (export names a preset when the live policy equals it). */
  readonly preset?: DevicePresetName;
  readonly policy: DevicePolicy;
}

/** One group of a tree document, validated. @internal */
export interface TreeGroup {
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly limits: ResourceLimits;
  readonly devices?: TreeDevices;
  /** Child groups by name (one path component each), in document order. */
  readonly groups: ReadonlyMap<string, TreeGroup>;
}

/** A validated tree document: top-level groups by name. @internal */
export interface TreeDocument {
  readonly groups: ReadonlyMap<string, TreeGroup>;
}

/** A document that is not valid: names the source, the path in the document and the value. Exit status 2 in the CLI. @internal */
export class TreeDocumentError extends InvalidValueError {
  constructor(
    readonly source: string,
    /** Dotted path in the document (`groups.web.memory.max`), empty for the document itself. */
    readonly at: string,
    value: unknown,
    reason: string,
  ) {
    super(source, value, reason);
    const shown = showValue(value);
    this.message = `${source}: ${at === "" ? "" : `${at}: `}${shown === "" ? "" : `${shown} `}${reason}`;
  }
}

function showValue(value: unknown): string {
  if (typeof value === "bigint") return String(value);
  if (value === undefined || (typeof value === "object" && value !== null)) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const GROUP_KEYS = ["owner", "memory", "cpu", "pids", "io", "hugetlb", "devices", "groups"] as const;

/** zod is loaded on the first parse, not at import (it is half the package's import time). */
function buildSchema(z: typeof Zod) {
  const fail = (ctx: Zod.core.$RefinementCtx, message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  const scalar = z.union([z.string(), z.number(), z.bigint()]);
  /** A byte count: an integer, or text such as 64M / 1G (base 1024); with `max`, also the word max. */
  const size = (allowMax: boolean) =>
    scalar.transform((v, ctx): bigint | "max" => {
      if (allowMax && v === "max") return "max";
      const n = typeof v === "bigint" ? v : typeof v === "number" ? (Number.isSafeInteger(v) ? BigInt(v) : undefined) : parseSize(v);
      if (n === undefined || n < 0n) return fail(ctx, `is not a size (a byte count such as 67108864, 64M, 1G${allowMax ? ", or max" : ""})`);
      return n;
    });
  const integer = (min: bigint, max: bigint, allowMax = false) =>
    scalar.transform((v, ctx): bigint | "max" => {
      if (allowMax && v === "max") return "max";
      const n = typeof v === "bigint" ? v : typeof v === "number" ? (Number.isSafeInteger(v) ? BigInt(v) : undefined) : /^\d+$/.test(v) ? BigInt(v) : undefined;
      if (n === undefined || n < min || n > max) return fail(ctx, `is out of range: expected an integer from ${min} to ${max}${allowMax ? ", or max" : ""}`);
      return n;
    });
  const small = (min: number, max: number) => integer(BigInt(min), BigInt(max)).transform((v) => Number(v));
  const cpuList = z.string().regex(/^(\d+(-\d+)?)(,\d+(-\d+)?)*$/, "is not a CPU or node list (such as 0-3,6)");

  const owner = scalar.transform((v, ctx) => {
    const m = /^(\d+):(\d+)$/.exec(String(v));
    const ids = m ? [Number(m[1]), Number(m[2])] : [];
    if (!m || ids.some((id) => !Number.isSafeInteger(id) || id >= 0xffffffff)) return fail(ctx, "is not an owner: expected UID:GID with numeric ids below 4294967295, such as 1000:1000");
    return { uid: ids[0] as number, gid: ids[1] as number };
  });
  const devices = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((v, ctx): TreeDevices => {
    if (typeof v === "string") {
      if (!(DEVICE_PRESET_NAMES as readonly string[]).includes(v)) return fail(ctx, `is not a device preset (${DEVICE_PRESET_NAMES.join(", ")}) nor a policy {default: deny, exceptions: [...]}`);
      return { preset: v as DevicePresetName, policy: devicePreset(v as DevicePresetName) };
    }
    try {
      return { policy: DevicePolicy.fromJson(v, "devices") };
    } catch (err) {
      return fail(ctx, err instanceof InvalidValueError ? err.reason : String(err));
    }
  });
  const memory = z.strictObject({
    max: size(true).optional(),
    swap: size(true).optional(),
    low: size(false).optional(),
    high: size(true).optional(),
    swappiness: small(0, 100).optional(),
    oomKillDisable: z.boolean().optional(),
  });
  const cpu = z.strictObject({
    weight: small(CPU_WEIGHT_RANGE.min, CPU_WEIGHT_RANGE.max).optional(),
    shares: integer(CPU_SHARES_RANGE.min, CPU_SHARES_RANGE.max).optional(),
    quota: integer(1000n, 2n ** 53n, true).optional(),
    period: integer(1000n, 1_000_000n).optional(),
    cpus: cpuList.optional(),
    mems: cpuList.optional(),
  });
  const pids = z.strictObject({ max: integer(0n, 4194304n, true).optional() });
  const io = z.strictObject({ weight: small(1, 10000).optional(), blkioWeight: small(BLKIO_WEIGHT_RANGE.min, BLKIO_WEIGHT_RANGE.max).optional() });
  const hugetlb = z.record(z.string().regex(/^\d+[KMG]B$/, "is not a huge page size (2MB, 1GB)"), size(true));
  const groupName = z.string().refine((name) => {
    try {
      return parseGroupName(name).length === 1;
    } catch {
      return false;
    }
  }, "is not a group name (one path component: no /, not . or ..)");

  type GroupIn = {
    owner?: { uid: number; gid: number };
    memory?: Zod.output<typeof memory>;
    cpu?: Zod.output<typeof cpu>;
    pids?: Zod.output<typeof pids>;
    io?: Zod.output<typeof io>;
    hugetlb?: Record<string, bigint | "max">;
    devices?: TreeDevices;
    groups?: Record<string, GroupIn>;
  };
  const group: Zod.ZodType<GroupIn, unknown> = z.lazy(() =>
    z.strictObject({
      owner: owner.optional(),
      memory: memory.optional(),
      cpu: cpu.optional(),
      pids: pids.optional(),
      io: io.optional(),
      hugetlb: hugetlb.optional(),
      devices: devices.optional(),
      groups: z.record(groupName, z.preprocess((g) => g ?? {}, group)).optional(),
    }),
  ) as Zod.ZodType<GroupIn, unknown>;
  return z.strictObject({ version: scalar.refine((v) => v === 1 || v === 1n, "is not a known document version (expected 1)").optional(), groups: z.record(groupName, z.preprocess((g) => g ?? {}, group)) });
}

let schema: ReturnType<typeof buildSchema> | undefined;
function treeSchema(): ReturnType<typeof buildSchema> {
  schema ??= buildSchema((createRequire(import.meta.url)("zod") as { z: typeof Zod }).z);
  return schema;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

type ParsedGroup = { owner?: { uid: number; gid: number }; devices?: TreeDevices; groups?: Record<string, ParsedGroup> } & Record<string, unknown>;

function toGroup(raw: ParsedGroup): TreeGroup {
  const limits: Record<string, unknown> = {};
  for (const key of ["memory", "cpu", "pids", "io", "hugetlb"] as const) {
    const section = raw[key] as Record<string, unknown> | undefined;
    if (section === undefined) continue;
    const defined = Object.fromEntries(Object.entries(section).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length > 0) limits[key] = defined;
  }
  return {
    ...(raw.owner ? { owner: raw.owner } : {}),
    limits: limits as ResourceLimits,
    ...(raw.devices ? { devices: raw.devices } : {}),
    groups: new Map(Object.entries(raw.groups ?? {}).map(([name, g]) => [name, toGroup(g)])),
  };
}

/**
 * Validate a parsed document (from YAML or JSON). The first problem is thrown as a {@link TreeDocumentError}
 * naming its path (`groups.web.memory.max`), the value and why.
 * @internal
 */
export function validateTreeDocument(input: unknown, source: string): TreeDocument {
  const parsed = treeSchema().safeParse(input);
  if (!parsed.success) {
    let issue = parsed.error.issues[0]!;
    // A union's issue holds each branch's; report the branch that got furthest into the value.
    while (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = issue.errors.map((branch) => branch[0]).filter((i) => i !== undefined).sort((a, b) => b.path.length - a.path.length)[0];
      if (!best) break;
      issue = { ...best, path: [...issue.path, ...best.path] } as typeof issue;
    }
    const at = issue.path.map(String).join(".");
    if (issue.code === "invalid_key") {
      const key = issue.path.at(-1);
      throw new TreeDocumentError(source, issue.path.slice(0, -1).map(String).join("."), key, issue.issues[0]?.message ?? "is not a valid key");
    }
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      const isGroup = issue.path.length >= 2 && issue.path.at(-2) === "groups";
      const expected = issue.path.length === 0 ? "version, groups" : isGroup ? GROUP_KEYS.join(", ") : Object.keys(valueAt(input, issue.path) as object).filter((k) => !keys.includes(k)).join(", ") || "none of these";
      throw new TreeDocumentError(source, at, undefined, `unknown key ${keys.map((k) => JSON.stringify(k)).join(", ")} (${isGroup || issue.path.length === 0 ? "expected" : "known here"}: ${expected})`);
    }
    const value = valueAt(input, issue.path);
    const reason = issue.code === "invalid_type" && value === undefined ? "is required" : issue.code === "invalid_type" || issue.code === "invalid_union" ? `has the wrong type: ${issue.message}` : issue.message;
    throw new TreeDocumentError(source, at, value, reason);
  }
  const groups = (parsed.data.groups ?? {}) as Record<string, ParsedGroup>;
  return { groups: new Map(Object.entries(groups).map(([name, g]) => [name, toGroup(g)])) };
}

/**
 * Parse a document's text: JSON when the source ends in `.json` (or the text starts with `{`), else YAML (the
 * `yaml` package, loaded only then). Syntax errors name the line.
 * @internal
 */
export async function parseTreeDocument(text: string, source: string): Promise<TreeDocument> {
  let input: unknown;
  if (source.endsWith(".json") || text.trimStart().startsWith("{")) {
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new TreeDocumentError(source, "", undefined, `is not JSON: ${(err as Error).message}`);
    }
  } else {
    const { parseDocument } = await import("yaml");
    // intAsBigInt: byte counts above 2^53 keep every digit.
    const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: true });
    const error = doc.errors[0];
    if (error) throw new TreeDocumentError(source, "", undefined, `is not valid YAML: ${(error.message.split("\n")[0] as string).replace(/:$/, "")}`);
    input = doc.toJS();
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw new TreeDocumentError(source, "", undefined, "must be a mapping with a groups key, such as {groups: {web: {memory: {max: 64M}}}}");
  return validateTreeDocument(input, source);
}
