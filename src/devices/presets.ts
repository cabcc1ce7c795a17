// Named device policies.
import { InvalidValueError } from "../runtime/errors.js";
import { DevicePolicy } from "./policy.js";

/** Names of the built-in device policies. @public */
export type DevicePresetName = "libvirt-lxc" | "container";

const CHAR_DEVICES_BOTH_ALLOW = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm"]; // null, zero, full
const RANDOM_DEVICES = ["c 1:8 rwm", "c 1:9 rwm"]; // random, urandom

/**
 * The exceptions of each preset; both deny everything else.
 * - `libvirt-lxc`: what libvirt's LXC driver allows a guest: null, zero, full, console (5:1),
 *   random, urandom, all `rwm`.
 * - `container`: runc's default set for OCI containers: mknod of any char or block device
 *   (`c *:* m`, `b *:* m`), null, zero, full, random, urandom, tty (5:0), ptmx (5:2) and the
 *   pty slaves (136:*), all `rwm`; no console. (runc also allows /dev/net/tun, 10:200, for
 *   backward compatibility; that is not part of this preset.)
 */
const PRESET_EXCEPTIONS: Record<DevicePresetName, readonly string[]> = {
  "libvirt-lxc": [...CHAR_DEVICES_BOTH_ALLOW, "c 5:1 rwm", ...RANDOM_DEVICES],
  container: ["c *:* m", "b *:* m", ...CHAR_DEVICES_BOTH_ALLOW, ...RANDOM_DEVICES, "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"],
};

/** Every preset name. @public */
export const DEVICE_PRESET_NAMES: readonly DevicePresetName[] = Object.freeze(Object.keys(PRESET_EXCEPTIONS) as DevicePresetName[]);

/**
 * A built-in policy by name: default deny with the preset's exceptions.
 * @throws InvalidValueError for an unknown name.
 * @public
 */
export function devicePreset(name: DevicePresetName): DevicePolicy {
  const exceptions = Object.hasOwn(PRESET_EXCEPTIONS, name) ? PRESET_EXCEPTIONS[name] : undefined;
  if (!exceptions) throw new InvalidValueError("device preset", name, `unknown preset; expected one of ${DEVICE_PRESET_NAMES.join(", ")}`);
  return DevicePolicy.fromState(false, exceptions);
}
