// The instruction encoding, the assembler and the interpreter, on hand-written programs: the
// interpreter is the oracle the compiler tests lean on, so its semantics are pinned here.
import { describe, expect, it } from "vitest";
import { Assembler } from "../../src/devices/ebpf/assembler.js";
import { BPF, decodeInsns, disassemble, encodeInsns, type BpfInsn } from "../../src/devices/ebpf/insn.js";
import { CgroupError } from "../../src/runtime/errors.js";
import { DeviceFilterRuntimeError, deviceFilterContext, runDeviceFilter } from "../../src/devices/ebpf/interpret.js";

const insn = (code: number, dst: number, src: number, off: number, imm: number): BpfInsn => ({ code, dst, src, off, imm });
const movImm64 = (dst: number, imm: number) => insn(BPF.ALU64 | BPF.MOV | BPF.K, dst, 0, 0, imm);
const movImm32 = (dst: number, imm: number) => insn(BPF.ALU | BPF.MOV | BPF.K, dst, 0, 0, imm);
const alu = (cls: number, op: number, dst: number, imm: number) => insn(cls | op | BPF.K, dst, 0, 0, imm);
const aluReg = (cls: number, op: number, dst: number, src: number) => insn(cls | op | BPF.X, dst, src, 0, 0);
const jmp = (cls: number, op: number, dst: number, imm: number, off: number) => insn(cls | op | BPF.K, dst, 0, off, imm);
const EXIT = insn(BPF.JMP | BPF.EXIT, 0, 0, 0, 0);
const ctx = deviceFilterContext("c", "r", 1, 3);

/** r0 = (condition on r2) ? 1 : 0, with r2 prepared by `setup`. */
function decide(setup: BpfInsn[], test: BpfInsn): number {
  return runDeviceFilter([...setup, { ...test, off: 2 }, movImm32(0, 0), EXIT, movImm32(0, 1), EXIT], ctx);
}

describe("instruction encoding", () => {
  it("encodes the kernel's struct bpf_insn layout and decodes it back", () => {
    const program = [insn(BPF.LDX | BPF.MEM | BPF.W, 2, 1, 4, 0), jmp(BPF.JMP32, BPF.JNE, 3, -2, 7), EXIT];
    const bytes = encodeInsns(program);
    expect([...bytes.subarray(0, 8)]).toEqual([0x61, 0x12, 4, 0, 0, 0, 0, 0]); // ldxw r2 = [r1+4]
    expect([...bytes.subarray(8, 16)]).toEqual([0x56, 0x03, 7, 0, 0xfe, 0xff, 0xff, 0xff]);
    expect(decodeInsns(bytes)).toEqual(program);
  });

  it("disassembles in the verifier's syntax", () => {
    expect(disassemble(insn(BPF.LDX | BPF.MEM | BPF.W, 2, 1, 0, 0))).toBe("r2 = *(u32 *)(r1 + 0)");
    expect(disassemble(jmp(BPF.JMP, BPF.JSET, 2, 0x50000, 3), 10)).toBe("if r2 & 0x50000 goto pc+3 -> 14");
    expect(disassemble(aluReg(BPF.ALU, BPF.LSH, 5, 4))).toBe("w5 <<= w4");
    expect(disassemble(EXIT)).toBe("exit");
  });
});

describe("assembler", () => {
  it("resolves forward labels, drops unreachable code and jumps to the next instruction", () => {
    const asm = new Assembler();
    const done = asm.label("done");
    const next = asm.label("next");
    asm.jumpImm("==", 2, 7, next); // jumps to the very next instruction: dropped
    asm.place(next);
    asm.alu32Imm("=", 0, 1);
    asm.jump(done);
    asm.alu32Imm("=", 0, 2); // unreachable: dropped
    asm.place(done);
    asm.exit();
    const { insns, lines } = asm.assemble();
    expect(insns.map((i) => disassemble(i))).toEqual(["w0 = 1", "exit"]);
    expect(lines).toHaveLength(2);
  });

  it("refuses a label that is never placed or placed twice", () => {
    const asm = new Assembler();
    const nowhere = asm.label("nowhere");
    asm.jump(nowhere);
    expect(() => asm.assemble()).toThrow(/never placed/);
    const twice = asm.label("twice");
    asm.place(twice);
    expect(() => asm.place(twice)).toThrow(/placed twice/);
  });

  it("chooses 32-bit jumps for immediates at or above 2^31", () => {
    const asm = new Assembler();
    const end = asm.label("end");
    asm.alu32Imm("=", 0, 0);
    asm.jumpImm("==", 3, 0x7fff_ffff, end);
    asm.jumpImm("==", 3, 0x8000_0000, end);
    asm.alu32Imm("=", 0, 1);
    asm.place(end);
    asm.exit();
    const { insns } = asm.assemble();
    expect(insns[1]!.code & 0x07).toBe(BPF.JMP);
    expect(insns[2]!.code & 0x07).toBe(BPF.JMP32);
    expect(insns[2]!.imm).toBe(-0x8000_0000);
  });
});

describe("interpreter semantics", () => {
  it("loads the three context fields", () => {
    const c = deviceFilterContext("b", "rw", 8, 17);
    expect(c.accessType).toBe(((2 | 4) << 16) | 1);
    const load = (off: number) => runDeviceFilter([insn(BPF.LDX | BPF.MEM | BPF.W, 0, 1, off, 0), EXIT], c);
    expect([load(0), load(4), load(8)]).toEqual([c.accessType, 8, 17]);
  });

  it("sign-extends 64-bit immediates and zero-extends 32-bit results", () => {
    // r2 = -1 (all 64 bits); w2 &= 0xff: upper half cleared -> 0xff, so "r2 == 0xff" holds.
    expect(decide([movImm64(2, -1), alu(BPF.ALU, BPF.AND, 2, 0xff)], jmp(BPF.JMP, BPF.JEQ, 2, 0xff, 0))).toBe(1);
    // r2 = -1; r2 &= 0xff (64-bit): same value.
    expect(decide([movImm64(2, -1), alu(BPF.ALU64, BPF.AND, 2, 0xff)], jmp(BPF.JMP, BPF.JEQ, 2, 0xff, 0))).toBe(1);
    // w2 = 0x80000000 (zero-extended); a 64-bit compare with imm 0x80000000 sign-extends it: not equal.
    expect(decide([movImm32(2, 0x8000_0000 | 0)], jmp(BPF.JMP, BPF.JEQ, 2, 0x8000_0000 | 0, 0))).toBe(0);
    // ... while the 32-bit compare sees equal low halves.
    expect(decide([movImm32(2, 0x8000_0000 | 0)], jmp(BPF.JMP32, BPF.JEQ, 2, 0x8000_0000 | 0, 0))).toBe(1);
    // 64-bit mov of a negative immediate fills the upper half: r2 > 0xffffffff as unsigned.
    expect(decide([movImm64(2, -2)], jmp(BPF.JMP, BPF.JGT, 2, 0x7fff_ffff, 0))).toBe(1);
  });

  it("compares unsigned and tests bits", () => {
    expect(decide([movImm64(2, 5)], jmp(BPF.JMP, BPF.JLT, 2, 6, 0))).toBe(1);
    expect(decide([movImm64(2, 6)], jmp(BPF.JMP, BPF.JLT, 2, 6, 0))).toBe(0);
    expect(decide([movImm64(2, 6)], jmp(BPF.JMP, BPF.JLE, 2, 6, 0))).toBe(1);
    expect(decide([movImm64(2, 7)], jmp(BPF.JMP, BPF.JGE, 2, 8, 0))).toBe(0);
    expect(decide([movImm64(2, 0b1010)], jmp(BPF.JMP, BPF.JSET, 2, 0b0100, 0))).toBe(0);
    expect(decide([movImm64(2, 0b1010)], jmp(BPF.JMP, BPF.JSET, 2, 0b0010, 0))).toBe(1);
    expect(decide([movImm64(2, 1)], jmp(BPF.JMP, BPF.JNE, 2, 1, 0))).toBe(0);
  });

  it("masks shift amounts to the operand width and carries across the halves", () => {
    // w2 = 1; w3 = 33; w2 <<= w3 -> 1 << (33 & 31) = 2
    expect(decide([movImm32(2, 1), movImm32(3, 33), aluReg(BPF.ALU, BPF.LSH, 2, 3)], jmp(BPF.JMP, BPF.JEQ, 2, 2, 0))).toBe(1);
    // r2 = 1; r2 <<= 33 (64-bit) -> bit 33 set: the low half is 0, r2 > 0xffffffff.
    expect(decide([movImm64(2, 1), alu(BPF.ALU64, BPF.LSH, 2, 33)], jmp(BPF.JMP, BPF.JGT, 2, 0x7fff_ffff, 0))).toBe(1);
    // r2 = 0xffffffff (w mov) ; r2 += 1 (64-bit) -> 2^32; then r2 >>= 32 -> 1
    expect(decide([movImm32(2, -1), alu(BPF.ALU64, BPF.ADD, 2, 1), alu(BPF.ALU64, BPF.RSH, 2, 32)], jmp(BPF.JMP, BPF.JEQ, 2, 1, 0))).toBe(1);
    // w2 = 0; w2 -= 1 -> 0xffffffff (zero-extended, so not -1 as 64-bit)
    expect(decide([movImm32(2, 0), alu(BPF.ALU, BPF.SUB, 2, 1)], jmp(BPF.JMP32, BPF.JEQ, 2, -1, 0))).toBe(1);
    expect(decide([movImm32(2, 0), alu(BPF.ALU, BPF.SUB, 2, 1)], jmp(BPF.JMP, BPF.JEQ, 2, -1, 0))).toBe(0);
  });

  it("refuses what the verifier refuses", () => {
    const fails = (program: BpfInsn[], pattern: RegExp) => {
      expect(() => runDeviceFilter(program, ctx)).toThrow(DeviceFilterRuntimeError);
      expect(() => runDeviceFilter(program, ctx)).toThrow(pattern);
      expect(() => runDeviceFilter(program, ctx)).toThrow(CgroupError);
      // one error family: a CgroupError with its own code, as every error cgroupkit throws
      expect(() => runDeviceFilter(program, ctx)).toThrow(expect.objectContaining({ code: "ERR_DEVICE_FILTER_RUNTIME", name: "DeviceFilterRuntimeError" }));
    };
    fails([jmp(BPF.JMP, BPF.JEQ, 4, 0, 0), movImm32(0, 0), EXIT], /r4 is read before it is set/);
    fails([insn(BPF.LDX | BPF.MEM | BPF.W, 2, 1, 12, 0), movImm32(0, 0), EXIT], /context offset 12/);
    fails([insn(BPF.LDX | BPF.MEM | BPF.W, 2, 3, 0, 0), EXIT], /not the context pointer/);
    fails([EXIT], /r0 unset/);
    fails([movImm32(0, 0)], /off the end/);
    fails([movImm32(0, 0), jmp(BPF.JMP, BPF.JA, 0, 0, -2), EXIT], /backward jump/);
    fails([movImm32(0, 0), jmp(BPF.JMP, BPF.JA, 0, 0, 5), EXIT], /outside the program/);
    fails([movImm32(0, 0), insn(0x87, 0, 0, 0, 0), EXIT], /unsupported ALU/); // neg
  });
});
