// Typed errors of the device ACL layer.
import { CgroupError, InvalidValueError, showValue } from "../runtime/errors.js";
import { formatDeviceRule, type DeviceRule } from "../runtime/device-rule.js";

/** A write to `devices.allow` or `devices.deny`: one rule, one `write(2)`. @public */
export interface V1Write {
  readonly file: "devices.allow" | "devices.deny";
  readonly rule: DeviceRule;
}

/** `devices.allow c 1:3 rwm`: a write as a person reads it. @public */
export function describeV1Write(write: V1Write): string {
  return `${write.file} ${showValue(formatDeviceRule(write.rule))}`;
}

/**
 * A rule the kernel would accept and then silently not carry out, such as allowing
 * `c 1:3 r` in a default-allow group whose exception is `c *:* rwm` (the kernel only removes
 * an exception that names exactly the same devices), or denying `c 1:3 m` while `c *:* m`
 * still allows it. Refused so that a policy never means less than it says.
 * @public
 */
export class DeviceRuleIgnoredError extends InvalidValueError {
  /** The write that would have been ignored. */
  readonly write: V1Write;
  /** Its position in the rule list. */
  readonly index: number;
  constructor(write: V1Write, index: number, reason: string) {
    super(write.file, formatDeviceRule(write.rule), `rule ${index}: ${reason}`);
    this.write = write;
    this.index = index;
  }
}

/**
 * A transition that cgroup v1 cannot make without passing through a state more permissive
 * than both ends: from default-deny to default-allow with exceptions, which must go through
 * "allow everything" (writing `a` to `devices.allow`).
 * @public
 */
export class UnsafeDeviceTransitionError extends CgroupError {
  constructor(message: string) {
    super("ERR_UNSAFE_DEVICE_TRANSITION", message);
  }
}

/**
 * Applying a device policy to a v1 group failed. `deniedAll` says whether the group was then
 * made deny-all (fail closed, `devices.list` empty); when false the group's device access is
 * unknown and the message says so.
 * @public
 */
export class DeviceAclError extends CgroupError {
  /** The group directory. */
  readonly dir: string;
  /** What failed: the write, the read-back check, or the read of the current state. */
  readonly failed: string;
  /** The write that failed, when a write failed. */
  readonly write: V1Write | undefined;
  /** True when the group was left deny-all after the failure. */
  readonly deniedAll: boolean;
  constructor(dir: string, failed: string, deniedAll: boolean, options: { write?: V1Write; cause?: unknown; closeError?: unknown } = {}) {
    const cause = options.cause instanceof Error ? `: ${options.cause.message}` : options.cause === undefined ? "" : `: ${String(options.cause)}`;
    const outcome = deniedAll
      ? "the group is now deny-all (devices.list is empty)"
      : `the group could NOT be made deny-all (${options.closeError instanceof Error ? options.closeError.message : String(options.closeError)}); its device access is unknown`;
    super("ERR_DEVICE_ACL", `${dir}: applying the device policy failed at ${failed}${cause}; ${outcome}`, { cause: options.cause });
    this.dir = dir;
    this.failed = failed;
    this.write = options.write;
    this.deniedAll = deniedAll;
  }
}
