// src/cgroup's exports, for internal callers and tests; the package's entry points (src/index.ts, src/testing.ts) pick from the modules.
export { Cgroup, CgroupAttachError, CgroupBusyError, CgroupExistsError, NotCgroupFsError, type CgroupOptions, type CgroupOwner, type CgroupPlacement, type RemoveOptions, type V1Accessors, type V2Accessors } from "./cgroup.js";
export {
  discoverHierarchies,
  hierarchyFor,
  mountHierarchy,
  parseMountinfo,
  parseProcCgroup,
  readCgroupLayout,
  type CgroupHierarchy,
  type CgroupHierarchyBase,
  type CgroupLayout,
  type CgroupMount,
  type LayoutSources,
  type MountInfoEntry,
  type MountRequest,
  type ProcCgroupEntry,
  type ReadLayoutOptions,
  type V1Hierarchy,
  type V2Hierarchy,
} from "./mounts.js";
export { CGROUP_NAME_MAX, parseGroupName } from "./names.js";
export { ControllerNotEnabledError, KNOWN_CONTROLLERS, UnknownControllerError, checkControllerNames, type ControllerName } from "./controllers.js";
export {
  DEFAULT_DELEGATE_FILES,
  KERNEL_DELEGATE_LIST,
  SYSTEMD_RUNTIME_DIR,
  chooseDriver,
  inspectTarget,
  isWithinGroup,
  judgeDelegation,
  parseDelegateList,
  readHostInfo,
  type DelegationVerdict,
  type DriverChoice,
  type HostInfo,
  type HostProbeOptions,
  type TargetInfo,
} from "./host.js";
export { DelegationError, type DelegationRule } from "./delegation.js";
