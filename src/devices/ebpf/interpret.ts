// A small eBPF interpreter for the instruction subset the device-filter compiler emits, so
// tests can check compiled decisions against DevicePolicy.allows without a kernel. It is strict
// where the verifier is: reading an unset register, a context access other than the three u32
// fields, a jump out of the program or backwards, or an unknown opcode throws.
import { BPF, DEVCG, disassemble, type BpfInsn } from "./insn.js";
import { deviceAccessBit } from "../../runtime/device-rule.js";
import { CgroupError } from "../../runtime/errors.js";

/** `struct bpf_cgroup_dev_ctx` as numbers (u32 each). @beta */
export interface DeviceFilterContext {
  /** `(access << 16) | type`, see {@link deviceFilterContext}. */
  readonly accessType: number;
  /** The device's major number. */
  readonly major: number;
  /** The device's minor number. */
  readonly minor: number;
}

/**
 * The context the kernel passes for a request: `type` b or c, `access` a non-empty subset of
 * `rwm` (an `open(O_RDWR)` asks for `rw` at once; `mknod` asks for `m`).
 * @beta
 */
export function deviceFilterContext(type: "b" | "c", access: string, major: number, minor: number): DeviceFilterContext {
  let bits = 0;
  for (const letter of access) {
    const bit = deviceAccessBit(letter);
    if (bit === undefined) throw new RangeError(`unknown access letter ${JSON.stringify(letter)}`);
    bits |= bit;
  }
  const dev = type === "b" ? DEVCG.DEV_BLOCK : DEVCG.DEV_CHAR;
  return { accessType: ((bits << DEVCG.ACCESS_SHIFT) | dev) >>> 0, major: major >>> 0, minor: minor >>> 0 };
}

// Registers are 64-bit; each is kept as two unsigned 32-bit halves (plain numbers are far
// faster than BigInt, and the tests run the interpreter millions of times).
const UNSET = 0;
const SCALAR = 1;
const CONTEXT = 2;
const REGISTERS = { state: new Uint8Array(11), hi: new Uint32Array(11), lo: new Uint32Array(11) };

/** Errors the interpreter raises for programs the verifier would refuse or that misbehave. @beta */
export class DeviceFilterRuntimeError extends CgroupError {
  /** Index of the instruction that failed. */
  readonly pc: number;
  constructor(pc: number, insn: BpfInsn | undefined, reason: string) {
    super("ERR_DEVICE_FILTER_RUNTIME", `eBPF insn ${pc}${insn ? ` (${disassemble(insn, pc)})` : ""}: ${reason}`);
    this.pc = pc;
  }
}

/**
 * Run a device-filter program on one request and return r0 (1 allow, 0 deny).
 * @throws DeviceFilterRuntimeError for anything outside the supported, verifier-safe subset.
 * @beta
 */
export function runDeviceFilter(insns: readonly BpfInsn[], ctx: DeviceFilterContext): number {
  // Reused between calls (the interpreter is synchronous and not reentrant).
  const { state, hi, lo } = REGISTERS;
  state.fill(UNSET);
  state[1] = CONTEXT;
  const fields: (number | undefined)[] = [];
  fields[DEVCG.OFF_ACCESS_TYPE] = ctx.accessType;
  fields[DEVCG.OFF_MAJOR] = ctx.major;
  fields[DEVCG.OFF_MINOR] = ctx.minor;
  let pc = 0;
  let insn: BpfInsn | undefined;
  const fail = (reason: string): never => {
    throw new DeviceFilterRuntimeError(pc, insn, reason);
  };
  const check = (reg: number): void => {
    if (state[reg] === UNSET) fail(`r${reg} is read before it is set`);
    if (state[reg] === CONTEXT) fail(`r${reg} holds the context pointer; arithmetic on it is not supported`);
  };
  for (let steps = 0; steps <= insns.length; steps++) {
    insn = insns[pc];
    if (insn === undefined) throw new DeviceFilterRuntimeError(pc, undefined, "execution ran off the end of the program");
    if (insn.dst > 10 || insn.src > 10) fail("register out of range");
    if (insn.dst === 10) fail("r10 (frame pointer) is read-only and unsupported here");
    const cls = insn.code & 0x07;
    const op = insn.code & 0xf0;
    const fromReg = (insn.code & BPF.X) !== 0;
    // Second operand: a register, or the immediate sign-extended to 64 bits.
    let bHi: number;
    let bLo: number;
    if (fromReg) {
      check(insn.src);
      bHi = hi[insn.src]!;
      bLo = lo[insn.src]!;
    } else {
      bHi = insn.imm < 0 ? 0xffff_ffff : 0;
      bLo = insn.imm >>> 0;
    }

    if (cls === BPF.LDX) {
      if (insn.code !== (BPF.LDX | BPF.MEM | BPF.W)) fail("only 32-bit loads are supported");
      if (state[insn.src] !== CONTEXT) fail(`load through r${insn.src}, which is not the context pointer`);
      const value = insn.off >= 0 ? fields[insn.off] : undefined;
      if (value === undefined) fail(`context offset ${insn.off} is not a u32 field of bpf_cgroup_dev_ctx`);
      state[insn.dst] = SCALAR;
      hi[insn.dst] = 0;
      lo[insn.dst] = value!;
      pc++;
      continue;
    }

    if (cls === BPF.ALU || cls === BPF.ALU64) {
      const is32 = cls === BPF.ALU;
      if (op !== BPF.MOV) check(insn.dst);
      const aHi = is32 ? 0 : hi[insn.dst]!;
      const aLo = lo[insn.dst]!;
      if (is32) bHi = 0;
      let rHi: number;
      let rLo: number;
      switch (op) {
        case BPF.MOV:
          rHi = bHi;
          rLo = bLo;
          break;
        case BPF.ADD: {
          const sum = aLo + bLo;
          rHi = aHi + bHi + (sum > 0xffff_ffff ? 1 : 0);
          rLo = sum;
          break;
        }
        case BPF.SUB: {
          const diff = aLo - bLo;
          rHi = aHi - bHi - (diff < 0 ? 1 : 0);
          rLo = diff;
          break;
        }
        case BPF.AND:
          rHi = aHi & bHi;
          rLo = aLo & bLo;
          break;
        case BPF.OR:
          rHi = aHi | bHi;
          rLo = aLo | bLo;
          break;
        case BPF.XOR:
          rHi = aHi ^ bHi;
          rLo = aLo ^ bLo;
          break;
        // The shift amount is masked to the operand width (RFC 9669 section 4.1).
        case BPF.LSH:
        case BPF.RSH: {
          const n = bLo & (is32 ? 31 : 63);
          [rHi, rLo] = op === BPF.LSH ? shiftLeft(aHi, aLo, n) : shiftRight(aHi, aLo, n);
          break;
        }
        default:
          return fail("unsupported ALU operation");
      }
      state[insn.dst] = SCALAR;
      hi[insn.dst] = is32 ? 0 : rHi; // 32-bit results are zero-extended
      lo[insn.dst] = rLo;
      pc++;
      continue;
    }

    if (cls === BPF.JMP || cls === BPF.JMP32) {
      if (cls === BPF.JMP && op === BPF.EXIT) {
        if (state[0] === UNSET) fail("exit with r0 unset");
        if (state[0] === CONTEXT) fail("exit returning a pointer");
        return lo[0]!;
      }
      let taken: boolean;
      if (op === BPF.JA) {
        if (cls !== BPF.JMP) fail("32-bit goto is not supported");
        taken = true;
      } else {
        check(insn.dst);
        const is32 = cls === BPF.JMP32;
        const aHi = is32 ? 0 : hi[insn.dst]!;
        const aLo = lo[insn.dst]!;
        if (is32) bHi = 0;
        const cmp = aHi !== bHi ? (aHi < bHi ? -1 : 1) : aLo !== bLo ? (aLo < bLo ? -1 : 1) : 0;
        switch (op) {
          case BPF.JEQ: taken = cmp === 0; break;
          case BPF.JNE: taken = cmp !== 0; break;
          case BPF.JGT: taken = cmp > 0; break;
          case BPF.JGE: taken = cmp >= 0; break;
          case BPF.JLT: taken = cmp < 0; break;
          case BPF.JLE: taken = cmp <= 0; break;
          case BPF.JSET: taken = (aHi & bHi) !== 0 || (aLo & bLo) !== 0; break;
          default: return fail("unsupported jump operation");
        }
      }
      if (insn.off < 0) fail("backward jump");
      const target = pc + 1 + (taken ? insn.off : 0);
      if (target >= insns.length) fail(`jump target ${target} is outside the program`);
      pc = target;
      continue;
    }
    fail("unsupported instruction class");
  }
  throw new DeviceFilterRuntimeError(pc, insns[pc], "step limit exceeded");
}

function shiftLeft(h: number, l: number, n: number): [number, number] {
  if (n === 0) return [h, l];
  if (n >= 32) return [l << (n - 32), 0];
  return [(h << n) | (l >>> (32 - n)), l << n];
}

function shiftRight(h: number, l: number, n: number): [number, number] {
  if (n === 0) return [h, l];
  if (n >= 32) return [0, h >>> (n - 32)];
  return [h >>> n, (l >>> n) | (h << (32 - n))];
}
