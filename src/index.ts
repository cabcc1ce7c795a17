// `cgroupkit`: the user API. What a launcher, a program reading its own limits or an operator script needs:
// the Cgroup handle, the generated accessors, resources, device policies, events, the systemd driver, errors.
// Advanced eBPF tools are in src/ebpf.ts (`cgroupkit/ebpf`), test doubles in src/testing.ts (`cgroupkit/testing`);
// everything else is internal. Each name is listed so that a new export is a decision, reviewed in etc/cgroupkit.api.md.

// Errors every call may throw.
export { CgroupError, CgroupIoError, InvalidNameError, InvalidValueError, ParseError, UnsupportedError } from "./runtime/errors.js";

// The file-system seam: a Cgroup reads and writes through a CgroupFs (the real one by default).
export { nodeCgroupFs, type CgroupDirEntry, type CgroupFs, type CgroupStat } from "./runtime/fs.js";

// Accessors: the generated classes, one per controller and version, and the file types their properties have.
export * from "../generated/index.js";
export { ControlFile, ControllerAccessor, ReadableFile, ReadOnlyFile, ReadWriteFile, WriteOnlyFile, type FileAccess, type FileMeta, type FileWhere } from "./runtime/accessor.js";
export type { Codec, KeyedValues } from "./runtime/codec.js";
export type { BlkioStat, CpuMax, CpuMaxWrite, Pressure, PressureLine, PressureTrigger, ScalarKind } from "./runtime/codecs/index.js";
export type { ManifestRecord } from "./runtime/manifest.js";
export { toJson } from "./runtime/json.js";

// The Cgroup handle, the host's layout and how to pick a driver.
export { Cgroup, CgroupAttachError, CgroupBusyError, CgroupExistsError, NotCgroupFsError, type CgroupOptions, type CgroupOwner, type CgroupPlacement, type RemoveOptions, type V1Accessors, type V2Accessors } from "./cgroup/cgroup.js";
export {
  hierarchyFor,
  mountHierarchy,
  readCgroupLayout,
  type CgroupHierarchy,
  type CgroupHierarchyBase,
  type CgroupLayout,
  type CgroupMount,
  type MountRequest,
  type ReadLayoutOptions,
  type V1Hierarchy,
  type V2Hierarchy,
} from "./cgroup/mounts.js";
export { CGROUP_NAME_MAX, parseGroupName } from "./cgroup/names.js";
export { ControllerNotEnabledError, UnknownControllerError, type ControllerName } from "./cgroup/controllers.js";
export { chooseDriver, inspectTarget, readHostInfo, type DelegationVerdict, type DriverChoice, type HostInfo, type HostProbeOptions, type TargetInfo } from "./cgroup/host.js";
export { DelegationError, type DelegationRule } from "./cgroup/delegation.js";

// Resources: limits across versions, the OCI conversions, usage and the limits that bind a process.
export * from "./resources/conversions.js";
export { applyResources, ResourceApplyError, type ApplyResourcesOptions, type ApplyResourcesResult, type IoDeviceRate, type IoDeviceWeight, type ResourceLimits } from "./resources/limits.js";
export { ociLinuxResourcesSchema, resourcesFromOci, type OciLinuxResources } from "./resources/oci.js";
export {
  openUsageSnapshot,
  readUsage,
  usageSources,
  type CpuUsage,
  type GroupUsage,
  type IoUsage,
  type MemoryUsage,
  type PidsUsage,
  type UsageSnapshot,
  type UsageSnapshotReader,
  type UsageSources,
} from "./resources/usage.js";
export { effectiveLimits, type EffectiveLimits, type EffectiveLimitsOptions, type LimitFigure } from "./resources/effective.js";
export type { SnapshotCost } from "./runtime/snapshot.js";

// Device policies: the rule model, the kernel-exact evaluator, presets, and applying one to a group (v1 or eBPF).
export { ALL_DEVICES, DEVICE_NUMBER_MAX, formatDeviceRule, normalizeDeviceRule, parseDeviceRule, type DeviceRule, type DeviceType } from "./runtime/device-rule.js";
export { DeviceAclError, DeviceRuleIgnoredError, UnsafeDeviceTransitionError, type V1Write } from "./devices/errors.js";
export { DevicePolicy } from "./devices/policy.js";
export { DEVICE_POLICY_MAX_FILE_BYTES, DEVICE_POLICY_MAX_RULES, type DevicePolicyJson, type DevicePolicyRule, type OciDeviceRule } from "./devices/policy-parse.js";
export type { DeviceException } from "./runtime/device-rule.js";
export { DEVICE_PRESET_NAMES, devicePreset, type DevicePresetName } from "./devices/presets.js";
export { DevicePolicyPrivilegeError } from "./devices/privilege.js";
export type { V1ApplyResult, V1TransitionOptions } from "./devices/v1.js";
// What applying through eBPF returns; the tools that make and inspect such programs are cgroupkit/ebpf's.
export type { V2ApplyResult } from "./devices/ebpf/apply.js";
export type { CompiledDeviceFilter } from "./devices/ebpf/compile.js";
export type { BpfInsn } from "./devices/ebpf/insn.js";
export { BpfError, type BpfCommandName } from "./devices/ebpf/errors.js";
export { applyDevicePolicy, readDevicePolicy, type DeviceApplyResult } from "./devices/apply.js";

// Running a command inside a group.
export {
  CONFINE_DROPPED_CAPABILITIES,
  CommandNotFoundError,
  ConfinementError,
  SpawnAbortedError,
  SpawnJoinError,
  confinementTools,
  spawnInGroup,
  type ConfinementTools,
  type GroupJoin,
  type GroupProcess,
  type GroupProcessExit,
  type GroupStdio,
  type SpawnInGroupOptions,
} from "./process/spawn.js";

// Kernel events: changed counters, PSI triggers, and waits on them.
export { CgroupEventStream, watch, watchEmitter, type CgroupEvent, type CgroupEventSource, type CgroupEventState, type WatchOptions, type WatchedGroup, type WatchScope } from "./events/watch.js";
export { pressure, type PressureEvent, type PressureOptions, type PressureResource } from "./events/pressure.js";
export { waitFor, WaitTimeoutError, type WaitOptions } from "./events/wait.js";

// The systemd driver: transient scopes in the calling user's manager.
export * from "./systemd/index.js";
