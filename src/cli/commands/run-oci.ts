// `run --oci FILE`: the limits (and, when it has them, the device rules) of an OCI `linux.resources` JSON file.
import * as nodeFs from "node:fs";
import { DevicePolicy } from "../../devices/policy.js";
import type { ResourceLimits } from "../../resources/limits.js";
import { resourcesFromOci } from "../../resources/oci.js";
import { InvalidValueError } from "../../runtime/errors.js";
import { UsageError, optionValue, type ParsedArgs } from "../args.js";
import type { NamedPolicy } from "./devices.js";

/** The individual limit options `--oci` stands in for: one source of limits, so there are no merge rules to learn. */
const LIMIT_OPTIONS = ["memory", "memory-swap", "cpu-weight", "cpu-shares", "cpu-quota", "pids"] as const;

/**
 * Read `--oci FILE` (a `linux.resources` object, or a whole config.json whose `linux.resources` is taken).
 * Refused next to any individual limit option, and next to `--devices` when the file has `devices`.
 * @internal
 */
export function ociRunLimits(args: ParsedArgs, file: string): { limits: ResourceLimits; devices: NamedPolicy | undefined } {
  const clash = LIMIT_OPTIONS.filter((o) => optionValue(args, o) !== undefined);
  if (clash.length > 0) throw new UsageError(`--oci ${file} carries the limits: give it or ${clash.map((o) => `--${o}`).join(", ")}, not both`, "run");
  let json: unknown;
  try {
    json = JSON.parse(nodeFs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--oci ${file}: ${err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message}`, "run");
  }
  const config = json as { linux?: { resources?: unknown }; ociVersion?: unknown } | null;
  const resources = config !== null && typeof config === "object" && "ociVersion" in config ? (config.linux?.resources ?? {}) : json;
  try {
    const { limits, devices } = resourcesFromOci(resources);
    if (devices === undefined || devices.length === 0) return { limits, devices: undefined };
    if (optionValue(args, "devices") !== undefined) throw new UsageError(`--oci ${file} has linux.resources.devices: give it or --devices, not both`, "run");
    return { limits, devices: { source: `${file} (linux.resources.devices)`, policy: DevicePolicy.fromOciDevices(devices) } };
  } catch (err) {
    if (err instanceof InvalidValueError) throw new UsageError(`--oci ${file}: ${err.message}`, "run");
    throw err;
  }
}
