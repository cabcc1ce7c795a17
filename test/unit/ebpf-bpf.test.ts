// The pure parts of the bpf(2) layer: the syscall table, log parsing, error messages, and the
// input checks that run before any syscall.
import { describe, expect, it } from "vitest";
import { BPF_SYSCALL_NUMBERS, bpfSyscallNumber, loadDeviceProgram, parseProcessedInsns } from "../../src/devices/ebpf/bpf.js";
import { BpfError } from "../../src/devices/ebpf/errors.js";
import { DeviceAclError } from "../../src/devices/errors.js";
import { CgroupError, InvalidValueError, UnsupportedError } from "../../src/runtime/errors.js";

describe("bpf(2) syscall numbers", () => {
  it("knows the common architectures and refuses others by name", () => {
    expect(bpfSyscallNumber("x64")).toBe(321);
    expect(bpfSyscallNumber("arm64")).toBe(280);
    expect(bpfSyscallNumber("arm")).toBe(386);
    expect(bpfSyscallNumber("ia32")).toBe(357);
    expect(Object.keys(BPF_SYSCALL_NUMBERS)).toContain("riscv64");
    expect(() => bpfSyscallNumber("mips")).toThrow(UnsupportedError);
    expect(() => bpfSyscallNumber("mips")).toThrow(/architecture mips/);
  });
});

describe("verifier log", () => {
  it("reads the processed-instruction count", () => {
    const log = "0: R1=ctx() R10=fp0\n...\nprocessed 28 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 0\n";
    expect(parseProcessedInsns(log)).toBe(28);
    expect(parseProcessedInsns("")).toBeUndefined();
  });
});

describe("errors", () => {
  it("BpfError names the command, the errno, why, and ends with the verifier log", () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const err = new BpfError("BPF_PROG_LOAD", "EACCES", { verifierLog: log, target: "/sys/fs/cgroup/unified/x" });
    expect(err).toBeInstanceOf(CgroupError);
    expect(err.code).toBe("EACCES");
    expect(err.message).toMatch(/^bpf\(BPF_PROG_LOAD\) on \/sys\/fs\/cgroup\/unified\/x failed: EACCES \(the verifier refused the program\)/);
    expect(err.message).toMatch(/line 29$/);
    expect(err.message).not.toMatch(/line 10\n/); // only the tail
    expect(err.verifierLog).toBe(log);
  });

  it("DeviceAclError (ebpf) says whether the group was left deny-all", () => {
    const closed = new DeviceAclError("/g", "attach", true, { mechanism: "ebpf", cause: new Error("boom") });
    expect(closed.message).toMatch(/failed at attach: boom; the group now has a deny-all device program/);
    const open = new DeviceAclError("/g", "load", false, { mechanism: "ebpf", cause: new Error("boom"), closeError: new Error("also") });
    expect(open.message).toMatch(/could NOT be given a deny-all program \(also\)/);
    expect(open.deniedAll).toBe(false);
  });
});

describe("loadDeviceProgram input checks (before any syscall)", () => {
  it("refuses bytecode that is not whole instructions and names the kernel would refuse", () => {
    expect(() => loadDeviceProgram(Buffer.alloc(12), "ok")).toThrow(InvalidValueError);
    expect(() => loadDeviceProgram(Buffer.alloc(0), "ok")).toThrow(InvalidValueError);
    expect(() => loadDeviceProgram(Buffer.alloc(16), "a-name-that-is-too-long")).toThrow(/prog_name/);
    expect(() => loadDeviceProgram(Buffer.alloc(16), "bad name")).toThrow(InvalidValueError);
  });
});
