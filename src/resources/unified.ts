// OCI `linux.resources.unified`: cgroup v2 file name → text, validated through the spec's codec of that file.
import { V2_CONTROLLERS } from "../../generated/index.js";
import { matchFileName, writeCodecOf } from "../cli/control-files.js";
import { convertValue } from "../cli/values.js";
import { ReadWriteFile, WriteOnlyFile } from "../runtime/accessor.js";
import { InvalidValueError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";

/** A writable v2 accessor of a unified key, bound to `dir`, and the kernel text a write of `text` sends. */
export interface UnifiedWrite {
  readonly controller: string;
  readonly file: ReadWriteFile<unknown, unknown> | WriteOnlyFile<unknown>;
  readonly text: string;
  readonly value: unknown;
}

/** The field name errors use for one key. */
export function unifiedField(key: string): string {
  return `linux.resources.unified[${JSON.stringify(key)}]`;
}

// No I/O happens through it: validation only formats.
const NO_FS = new Proxy({} as CgroupFs, {
  get() {
    throw new Error("unified validation never touches the filesystem");
  },
});

/**
 * Resolve a unified key to the spec's v2 file and check its value with that file's codec (the same conversion
 * `cgroupkit set` uses). The runtime-spec says unknown keys "MUST still be written"; cgroupkit refuses them
 * instead (docs/oci-conformance.md): a typo must not reach the kernel as a silent ENOENT later.
 * @throws InvalidValueError naming `linux.resources.unified["KEY"]` and the value
 */
export function resolveUnified(key: string, value: unknown, dir = "/nonexistent", fs: CgroupFs = NO_FS): UnifiedWrite {
  const field = unifiedField(key);
  if (typeof value !== "string") throw new InvalidValueError(field, value, "expected a string");
  if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) throw new InvalidValueError(field, value, "the key must be a cgroup v2 file name CONTROLLER.PARAMETER (no slash, newline or space)");
  if (/[\n\r\0]/.test(value)) throw new InvalidValueError(field, value, "the value contains a newline or NUL: one key carries one write (use blockIO.throttle* lists for several devices)");
  const match = matchFileName(key).find((m) => m.entry.version === "v2");
  if (match === undefined) throw new InvalidValueError(field, value, "not a cgroup v2 control file in cgroupkit's spec");
  const { entry, param } = match;
  if (entry.access === "ro") throw new InvalidValueError(field, value, `${key} is read-only`);
  if (entry.controller === "core") throw new InvalidValueError(field, value, "cgroup.* core files are managed by the group itself, not a resource limit");
  const Class = (V2_CONTROLLERS as Readonly<Record<string, new (dir: string, fs: CgroupFs) => object>>)[entry.controller];
  if (Class === undefined) throw new InvalidValueError(field, value, `controller ${entry.controller} has no accessor class`);
  const accessor = new Class(dir, fs) as Record<string, unknown>;
  const member = accessor[entry.property];
  const file = param === undefined ? member : typeof member === "function" ? (member as (p: string) => unknown).call(accessor, param) : undefined;
  if (!(file instanceof ReadWriteFile || file instanceof WriteOnlyFile)) throw new InvalidValueError(field, value, `${key} cannot be written`);
  const writable = file as ReadWriteFile<unknown, unknown> | WriteOnlyFile<unknown>;
  try {
    const { value: typed, formatted } = convertValue({ file: key, codec: writeCodecOf(entry), unit: entry.unit }, value.trim(), (v) => writable.format(v));
    return { controller: entry.controller, file: writable, text: formatted, value: typed };
  } catch (err) {
    if (err instanceof InvalidValueError) throw new InvalidValueError(field, value, err.reason);
    throw err;
  }
}
