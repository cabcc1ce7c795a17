// cgroup v2 device ACL through eBPF: compiler, interpreter, bpf(2) calls, apply/query/remove.
export { compileDenyAll, compileDeviceFilter, type CompiledDeviceFilter, type DeviceFilterPolicy } from "./compile.js";
export { deviceFilterContext, DeviceFilterRuntimeError, runDeviceFilter, type DeviceFilterContext } from "./interpret.js";
export { decodeInsns, disassemble, encodeInsns, type BpfInsn } from "./insn.js";
export { BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, BPF_F_REPLACE, type BpfProgramInfo, type BpfQueryResult, type LoadedProgram } from "./bpf.js";
export { BpfError, type BpfCommandName } from "./errors.js";
export {
  applyV2DevicePolicy,
  DEVICE_PROGRAM_NAME,
  queryV2DevicePrograms,
  removeV2DevicePolicy,
  type V2ApplyResult,
  type BpfDeviceOps,
  type V2DeviceOptions,
  type V2DeviceProgram,
  type V2DeviceQuery,
} from "./apply.js";
