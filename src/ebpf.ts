// `cgroupkit/ebpf`: the cgroup v2 device filter's own tools, for those who need more than applyDevicePolicy:
// compile a policy to a program, encode, decode and disassemble instructions, run a program in the interpreter,
// and load, attach, query and detach programs on a group. Types these signatures share with the root entry
// (DevicePolicy, CompiledDeviceFilter, BpfInsn, V2ApplyResult, CgroupError) are imported from `cgroupkit`.
export { compileDenyAll, compileDeviceFilter, type DeviceFilterPolicy } from "./devices/ebpf/compile.js";
export { deviceFilterContext, DeviceFilterRuntimeError, runDeviceFilter, type DeviceFilterContext } from "./devices/ebpf/interpret.js";
export { decodeInsns, disassemble, encodeInsns } from "./devices/ebpf/insn.js";
export { BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, BPF_F_REPLACE, type BpfProgramInfo, type BpfQueryResult, type LoadedProgram } from "./devices/ebpf/bpf.js";
export { applyV2DevicePolicy, DEVICE_PROGRAM_NAME, queryV2DevicePrograms, removeV2DevicePolicy, type BpfDeviceOps, type V2DeviceOptions, type V2DeviceProgram, type V2DeviceQuery } from "./devices/ebpf/apply.js";
