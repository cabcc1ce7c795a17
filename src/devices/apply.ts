// The device ACL on a Cgroup: v1 devices where the devices controller is on v1, else an eBPF program on cgroup2.
import type { Cgroup } from "../cgroup/cgroup.js";
import { UnsupportedError } from "../runtime/errors.js";
import { applyV2DevicePolicy, queryV2DevicePrograms, type V2ApplyResult } from "./ebpf/apply.js";
import type { DevicePolicy } from "./policy.js";
import { assertDevicePrivilege } from "./privilege.js";
import { applyV1DevicePolicy, readV1DevicePolicy, type V1ApplyResult, type V1TransitionOptions } from "./v1.js";

/** What {@link applyDevicePolicy} did, by mechanism. @public */
export type DeviceApplyResult =
  | {
      /** Applied through the v1 devices controller. */
      readonly mechanism: "v1";
      /** The group's directory in the devices hierarchy. */
      readonly dir: string;
      /** What was written. */
      readonly v1: V1ApplyResult;
    }
  | {
      /** Applied as a cgroup2 eBPF device program. */
      readonly mechanism: "ebpf";
      /** The group's cgroup2 directory. */
      readonly dir: string;
      /** The program attached. */
      readonly ebpf: V2ApplyResult;
    };

/** Where a group's device ACL lives: the v1 devices hierarchy when it holds the controller, else the group's cgroup2 directory. */
function deviceTarget(cg: Cgroup): { mechanism: "v1" | "ebpf"; dir: string } {
  const v1 = cg.placement("devices");
  if (v1?.hierarchy.version === "v1") return { mechanism: "v1", dir: v1.dir };
  const v2 = cg.v2Placement;
  if (v2) return { mechanism: "ebpf", dir: v2.dir };
  throw new UnsupportedError(`group ${cg.name}: neither a v1 devices hierarchy nor cgroup2 holds it, so no device ACL can be enforced`);
}

/**
 * Enforce a device policy on a group, failing closed (the group ends deny-all on any failure after the first change).
 * `options` apply to the v1 mechanism, a sequence of writes that never passes through a state more permissive than both ends; the eBPF program replaces the policy in one step.
 * A caller without the privilege either mechanism needs is refused first ({@link DevicePolicyPrivilegeError}).
 * @public
 */
export async function applyDevicePolicy(cg: Cgroup, policy: DevicePolicy, options: V1TransitionOptions = {}): Promise<DeviceApplyResult> {
  const { mechanism, dir } = deviceTarget(cg);
  await assertDevicePrivilege(cg.fs, mechanism);
  return mechanism === "v1" ? { mechanism, dir, v1: await applyV1DevicePolicy(dir, policy, cg.fs, options) } : { mechanism, dir, ebpf: applyV2DevicePolicy(dir, policy) };
}

/**
 * The policy in force on a group as the kernel reports it: v1 `devices.list`; on cgroup2 the attached programs
 * (a compiled program cannot be read back as rules, so `policy` is undefined there).
 * @public
 */
export async function readDevicePolicy(cg: Cgroup): Promise<{
  /** Where the ACL lives: v1 devices, or cgroup2 eBPF. */
  mechanism: "v1" | "ebpf";
  /** The directory read. */
  dir: string;
  /** The v1 policy, from devices.list. */
  policy?: DevicePolicy;
  /** The eBPF device programs attached on cgroup2. */
  programs?: ReturnType<typeof queryV2DevicePrograms>["programs"];
}> {
  const { mechanism, dir } = deviceTarget(cg);
  if (mechanism === "v1") return { mechanism, dir, policy: await readV1DevicePolicy(dir, cg.fs) };
  return { mechanism, dir, programs: queryV2DevicePrograms(dir).programs };
}
