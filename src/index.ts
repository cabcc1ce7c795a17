// cgroupkit's public API: data flows spec → generated accessors → the hand-written layers below.
export * from "./runtime/index.js";
export * from "../generated/index.js";
export * from "./cgroup/index.js";
export * from "./resources/index.js";
export * from "./devices/index.js";
export * from "./devices/ebpf/index.js";
export { applyDevicePolicy, readDevicePolicy, type DeviceApplyResult } from "./devices/apply.js";
export * from "./systemd/index.js";
