// eBPF instruction encoding: the opcode constants this package emits, the 8-byte wire
// format, and a verifier-style disassembler for listings and error messages.
// Constants follow include/uapi/linux/bpf_common.h and bpf.h.

/** One eBPF instruction, fields as the kernel's `struct bpf_insn`. @public */
export interface BpfInsn {
  /** Opcode byte: class | size/mode or op | source. */
  readonly code: number;
  /** Destination register, 0..10. */
  readonly dst: number;
  /** Source register, 0..10. */
  readonly src: number;
  /** Signed 16-bit jump offset or memory offset. */
  readonly off: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
}

/** Instruction classes, sizes, modes, sources and ops (see bpf_common.h). @internal */
export const BPF = {
  // classes
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
  // sizes (load/store)
  W: 0x00,
  H: 0x08,
  B: 0x10,
  DW: 0x18,
  // modes
  IMM: 0x00,
  MEM: 0x60,
  // source
  K: 0x00,
  X: 0x08,
  // ALU ops
  ADD: 0x00,
  SUB: 0x10,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  XOR: 0xa0,
  MOV: 0xb0,
  // jump ops
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
} as const;

/**
 * `struct bpf_cgroup_dev_ctx` offsets and the access_type encoding (bpf.h). The access bits in the
 * upper half are the kernel's DEVCG_ACC_*, the one encoding src/runtime/device-rule.ts defines.
 * @internal
 */
export const DEVCG = {
  /** u32 access_type = (access << 16) | dev_type */
  OFF_ACCESS_TYPE: 0,
  OFF_MAJOR: 4,
  OFF_MINOR: 8,
  DEV_BLOCK: 1,
  DEV_CHAR: 2,
  ACCESS_SHIFT: 16,
} as const;

/** Size of one encoded instruction in bytes. @internal */
export const INSN_SIZE = 8;

/** Encode instructions into the little-endian wire format `BPF_PROG_LOAD` takes. @beta */
export function encodeInsns(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * INSN_SIZE);
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    buf.writeUInt8(insn.code, at);
    buf.writeUInt8(((insn.src & 0xf) << 4) | (insn.dst & 0xf), at + 1);
    buf.writeInt16LE(insn.off, at + 2);
    buf.writeInt32LE(insn.imm, at + 4);
  });
  return buf;
}

/** Decode the wire format back into instructions. @beta */
export function decodeInsns(buf: Uint8Array): BpfInsn[] {
  if (buf.length % INSN_SIZE !== 0) throw new RangeError(`eBPF program length ${buf.length} is not a multiple of ${INSN_SIZE}`);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: BpfInsn[] = [];
  for (let at = 0; at < view.length; at += INSN_SIZE) {
    const regs = view.readUInt8(at + 1);
    out.push({ code: view.readUInt8(at), dst: regs & 0xf, src: regs >> 4, off: view.readInt16LE(at + 2), imm: view.readInt32LE(at + 4) });
  }
  return out;
}

const ALU_SYMBOL: Record<number, string> = {
  [BPF.ADD]: "+=",
  [BPF.SUB]: "-=",
  [BPF.OR]: "|=",
  [BPF.AND]: "&=",
  [BPF.LSH]: "<<=",
  [BPF.RSH]: ">>=",
  [BPF.XOR]: "^=",
  [BPF.MOV]: "=",
};

const JMP_SYMBOL: Record<number, string> = {
  [BPF.JEQ]: "==",
  [BPF.JGT]: ">",
  [BPF.JGE]: ">=",
  [BPF.JSET]: "&",
  [BPF.JNE]: "!=",
  [BPF.JLT]: "<",
  [BPF.JLE]: "<=",
};

const SIZE_NAME: Record<number, string> = { [BPF.W]: "u32", [BPF.H]: "u16", [BPF.B]: "u8", [BPF.DW]: "u64" };

/** Show an immediate the way the kernel's verifier log does: small values in decimal, masks in hex. */
function showImm(imm: number): string {
  const unsigned = imm >>> 0;
  return unsigned > 0xffff ? `0x${unsigned.toString(16)}` : String(imm);
}

/**
 * One instruction in the verifier log's syntax (`if r2 & 0x50000 goto pc+3`), with `w` registers for
 * 32-bit operations. `index` turns relative jumps into absolute targets.
 * @beta
 */
export function disassemble(insn: BpfInsn, index?: number): string {
  const cls = insn.code & 0x07;
  const op = insn.code & 0xf0;
  const useReg = (insn.code & BPF.X) !== 0;
  const target = (): string => {
    const rel = insn.off >= 0 ? `+${insn.off}` : String(insn.off);
    return index === undefined ? `pc${rel}` : `pc${rel} -> ${index + 1 + insn.off}`;
  };
  switch (cls) {
    case BPF.LDX: {
      const size = SIZE_NAME[insn.code & 0x18] ?? "?";
      return `r${insn.dst} = *(${size} *)(r${insn.src} ${insn.off < 0 ? "-" : "+"} ${Math.abs(insn.off)})`;
    }
    case BPF.ALU:
    case BPF.ALU64: {
      const prefix = cls === BPF.ALU ? "w" : "r";
      const sym = ALU_SYMBOL[op];
      if (sym === undefined) return `<unknown alu op 0x${insn.code.toString(16)}>`;
      const operand = useReg ? `${prefix}${insn.src}` : showImm(insn.imm);
      return `${prefix}${insn.dst} ${sym} ${operand}`;
    }
    case BPF.JMP:
    case BPF.JMP32: {
      if (op === BPF.EXIT && cls === BPF.JMP) return "exit";
      if (op === BPF.JA && cls === BPF.JMP) return `goto ${target()}`;
      const prefix = cls === BPF.JMP32 ? "w" : "r";
      const sym = JMP_SYMBOL[op];
      if (sym === undefined) return `<unknown jump op 0x${insn.code.toString(16)}>`;
      const operand = useReg ? `${prefix}${insn.src}` : op === BPF.JSET ? `0x${(insn.imm >>> 0).toString(16)}` : showImm(insn.imm);
      return `if ${prefix}${insn.dst} ${sym} ${operand} goto ${target()}`;
    }
    default:
      return `<unknown opcode 0x${insn.code.toString(16)}>`;
  }
}
