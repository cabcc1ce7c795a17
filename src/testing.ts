// `cgroupkit/testing`: test doubles for code that uses cgroupkit. FaultInjectingFs wraps a CgroupFs (nodeCgroupFs
// from `cgroupkit`, or one of your own) to log every call and fail chosen ones; discoverHierarchies builds a
// CgroupLayout from mountinfo text, so a Cgroup can be resolved onto a fixture (CgroupOptions.layout).
export { FaultInjectingFs, type FaultSpec, type FsLogEntry, type FsOp } from "./runtime/fault-fs.js";
export { discoverHierarchies, type LayoutSources } from "./cgroup/mounts.js";
