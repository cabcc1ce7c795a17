// cgroupkit's public API: data flows spec → generated accessors → the hand-written layers below.
export * from "./runtime/index.js";
export * from "../generated/index.js";
export * from "./cgroup/index.js";
export * from "./resources/index.js";
export * from "./devices/index.js";
export * from "./devices/ebpf/index.js";
export { applyDevicePolicy, readDevicePolicy, type DeviceApplyResult } from "./devices/apply.js";
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
export * from "./events/index.js";
export * from "./systemd/index.js";
