// Whether the caller can enforce a device policy at all: both mechanisms need privilege that a
// delegated (rootless) user lacks, and a policy that cannot be enforced is refused, never skipped.
import { CAP, hasCapability, readProcessPrivilege, type ProcessPrivilege } from "../cgroup/privilege.js";
import { CgroupError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";

/**
 * A device policy was asked for where this process cannot enforce one: v1 `devices.allow`/`deny`
 * need CAP_SYS_ADMIN; loading and attaching the cgroup2 eBPF device filter needs CAP_SYS_ADMIN, or
 * CAP_BPF with CAP_NET_ADMIN; both in the initial user namespace. Thrown before anything changes.
 * `code` is `ERR_DEVICE_PRIVILEGE`.
 * @public
 */
export class DevicePolicyPrivilegeError extends CgroupError {
  /** The mechanism that would have enforced the policy here. */
  readonly mechanism: "v1" | "ebpf";
  constructor(mechanism: "v1" | "ebpf", reason: string) {
    super("ERR_DEVICE_PRIVILEGE", `the device policy cannot be enforced without privilege: ${reason}; refused rather than run without it`);
    this.mechanism = mechanism;
  }
}

/**
 * Why this process cannot enforce a device policy by `mechanism`, or undefined when it can (or
 * when its privilege cannot be read; the kernel then decides).
 * @internal
 */
export function devicePrivilegeProblem(mechanism: "v1" | "ebpf", p: ProcessPrivilege): string | undefined {
  const sysAdmin = hasCapability(p, CAP.SYS_ADMIN);
  if (sysAdmin === undefined || sysAdmin) return undefined;
  const where = p.initUserNamespace === false ? "this process is in a user namespace, where capabilities do not reach these checks" : `uid ${p.euid} lacks it`;
  if (mechanism === "v1") return `v1 devices.allow/devices.deny need CAP_SYS_ADMIN, and ${where}`;
  if (hasCapability(p, CAP.BPF) && hasCapability(p, CAP.NET_ADMIN)) return undefined;
  return `the cgroup2 eBPF device filter needs CAP_SYS_ADMIN, or CAP_BPF with CAP_NET_ADMIN, and ${p.initUserNamespace === false ? where : `uid ${p.euid} has neither`}`;
}

/** @throws {@link DevicePolicyPrivilegeError} when this process cannot enforce a device policy by `mechanism` @internal */
export async function assertDevicePrivilege(fs: CgroupFs, mechanism: "v1" | "ebpf"): Promise<void> {
  const problem = devicePrivilegeProblem(mechanism, await readProcessPrivilege(fs));
  if (problem !== undefined) throw new DevicePolicyPrivilegeError(mechanism, problem);
}
