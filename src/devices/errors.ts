// Typed errors of the device ACL layer.
import { CgroupError, InvalidValueError, showValue } from "../runtime/errors.js";
import { formatDeviceRule, type DeviceRule } from "../runtime/device-rule.js";

/** A write to `devices.allow` or `devices.deny`: one rule, one `write(2)`. @public */
export interface V1Write {
  /** The file written. */
  readonly file: "devices.allow" | "devices.deny";
  /** The rule written to it. */
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
 * Applying a device policy failed, through v1 `devices.*` or a cgroup2 eBPF program. `deniedAll` says
 * whether the group was then made deny-all (fail closed); when false the message says what access is left.
 * @public
 */
export class DeviceAclError extends CgroupError {
  /** The group directory. */
  readonly dir: string;
  /** How the policy was being enforced. */
  readonly mechanism: "v1" | "ebpf";
  /** What failed: the write, the read-back check, or the read of the current state. */
  readonly failed: string;
  /** The write that failed, when a write failed. */
  readonly write: V1Write | undefined;
  /** True when the group was left deny-all after the failure. */
  readonly deniedAll: boolean;
  constructor(
    dir: string,
    failed: string,
    deniedAll: boolean,
    options: { mechanism?: "v1" | "ebpf"; write?: V1Write; cause?: unknown; closeError?: unknown; closedByWildcards?: boolean } = {},
  ) {
    const mechanism = options.mechanism ?? "v1";
    const cause = options.cause instanceof Error ? `: ${options.cause.message}` : options.cause === undefined ? "" : `: ${String(options.cause)}`;
    const closeError = options.closeError instanceof Error ? options.closeError.message : String(options.closeError);
    const outcome =
      mechanism === "v1"
        ? deniedAll
          ? options.closedByWildcards
            ? 'the group now denies every device ("c *:* rwm" and "b *:* rwm" in devices.deny; with child groups it keeps its default-allow mode, so devices.list still reads "a *:* rwm")'
            : "the group is now deny-all (devices.list is empty)"
          : `the group could NOT be made deny-all (${closeError}); its device access is unknown`
        : deniedAll
          ? "the group now has a deny-all device program (fail closed)"
          : `the group could NOT be given a deny-all program (${closeError}); its device access is whatever was attached before`;
    const what = mechanism === "v1" ? "the device policy" : "the eBPF device policy";
    super("ERR_DEVICE_ACL", `${dir}: applying ${what} failed at ${failed}${cause}; ${outcome}`, { cause: options.cause });
    this.dir = dir;
    this.mechanism = mechanism;
    this.failed = failed;
    this.write = options.write;
    this.deniedAll = deniedAll;
  }
}
