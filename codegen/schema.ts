// The spec's schema: every spec/*.yaml file is validated against it before anything is generated.
import { z } from "zod";
import { codecNames, type CodecName } from "../src/runtime/codecs/index.js";

/** Value kinds inside keyed codecs. */
export const scalarKind = z.enum(["u64", "s64", "limit", "number", "string"]);

const bound = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);
const range = { min: bound.optional(), max: bound.optional() };
const keys = z.array(z.string().regex(/^[A-Za-z0-9_.:-]+$/)).min(1).optional();

/** Codecs that must be given parameters: `enum` has no meaning without its values. */
type ParameterOnlyCodec = "enum";

/**
 * Codecs that need no parameters; any of them may be written as a bare name. The runtime's closed
 * list (src/runtime/codecs) is the one list of names: this is it, less the parameter-only codecs.
 */
export const BARE_CODECS = codecNames.filter((n): n is Exclude<CodecName, ParameterOnlyCodec> => n !== "enum") as [
  Exclude<CodecName, ParameterOnlyCodec>,
  ...Exclude<CodecName, ParameterOnlyCodec>[],
];

/** A codec's name in a parameterised spec; typed against the runtime's list, so a name it lacks does not compile. */
const named = <N extends CodecName>(name: N) => z.literal(name);

/** The closed list of codecs. Bare names are shorthand for `{ name }`. */
export const codecSpec = z.union([
  z.enum(BARE_CODECS),
  z.strictObject({ name: named("u64"), ...range }),
  z.strictObject({ name: named("s64"), ...range }),
  z.strictObject({ name: named("int"), ...range }),
  z.strictObject({ name: named("limit"), ...range }),
  z.strictObject({ name: named("enum"), values: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ name: named("flatKeyed"), keys, value: scalarKind.optional() }),
  z.strictObject({ name: named("nestedKeyed"), keys, value: scalarKind.optional() }),
  z.strictObject({ name: named("deviceValues"), value: scalarKind.optional() }),
], { error: `not a codec: use one of ${BARE_CODECS.join(", ")}, or an object { name, ...params } (enum needs values; u64/s64/int/limit take min/max; flatKeyed/nestedKeyed take keys/value; deviceValues takes value)` });
export type CodecSpec = z.infer<typeof codecSpec>;

const semver = z.string().regex(/^\d+\.\d+\.\d+$/, "a semver version such as 0.1.0");
const kernelVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, "a kernel version such as 4.5");
const fileName = z.string().regex(/^[a-z0-9_.]+(<[a-z_]+>[a-z0-9_.]*)?$/, "lower-case file name, optionally with one <param> template");

export const fileEntry = z.strictObject({
  /** File name as the kernel shows it; one `<param>` for templated names (`hugetlb.<size>.max`). */
  file: fileName,
  access: z.enum(["ro", "rw", "wo"]),
  where: z.enum(["root", "non-root", "all"]),
  codec: codecSpec,
  /** When the kernel accepts a different format than it prints (memory.oom_control: reads keyed, takes 0/1). */
  writeCodec: codecSpec.optional(),
  unit: z.string().optional(),
  kernel: kernelVersion.optional(),
  /** Package version whose API first had this entry. */
  api: semver,
  doc: z.string().min(1),
  tag: z.enum(["public", "beta"]).default("public"),
  /** v2: present in every group, without the controller being enabled (kernel base files such as cpu.stat). */
  core: z.boolean().default(false),
  /** Present only with a kernel option or feature (CONFIG_*, swap accounting); absence on a kernel is not a spec gap. */
  requires: z.string().optional(),
  /** Property name override; default is the file name less the controller prefix, camelCased. */
  property: z.string().regex(/^[a-z][A-Za-z0-9]*$/).optional(),
  /** For templated names: what the parameter is. */
  param: z.strictObject({ name: z.string(), doc: z.string(), pattern: z.string().optional() }).optional(),
  deprecated: z.string().optional(),
  /** Earlier property names kept as deprecated aliases. */
  renamedFrom: z.array(z.string().regex(/^[a-z][A-Za-z0-9]*$/)).optional(),
});
export type FileEntry = z.infer<typeof fileEntry>;

export const specFile = z.strictObject({
  version: z.enum(["v1", "v2"]),
  /** Controller name as the kernel names it; `core` for the cgroup.* files. */
  controller: z.string().regex(/^[a-z_]+$/),
  doc: z.string().min(1),
  /** Kernel documentation the entries come from, relative to shared/reference/linux-docs. */
  source: z.array(z.string()).min(1),
  files: z.array(fileEntry).min(1),
});
export type SpecFile = z.infer<typeof specFile>;
