// A small eBPF assembler: symbolic jumps to labels, resolved at the end. Before resolving it
// drops instructions no path reaches (the verifier refuses unreachable code) and jumps to the
// very next instruction, so generators can emit simple, regular code.
import { BPF, disassemble, type BpfInsn } from "./insn.js";

/** A jump target; placed once with {@link Assembler.place}. @internal */
export interface Label {
  readonly name: string;
  readonly id: number;
}

interface InsnItem {
  readonly kind: "insn";
  readonly insn: BpfInsn;
  readonly target: Label | undefined;
  readonly comment: string | undefined;
}

interface LabelItem {
  readonly kind: "label";
  readonly label: Label;
}

type Item = InsnItem | LabelItem;

/** An assembled program: instructions plus one listing line per instruction. @internal */
export interface AssembledProgram {
  readonly insns: readonly BpfInsn[];
  readonly lines: readonly string[];
}

const U32_MAX = 0xffff_ffff;
const S32_MAX = 0x7fff_ffff;

function checkRegister(reg: number): void {
  if (!Number.isInteger(reg) || reg < 0 || reg > 10) throw new RangeError(`eBPF register r${reg} does not exist`);
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new RangeError(`${what} ${value} is not an unsigned 32-bit integer`);
}

/** Conditional jump operators the assembler emits. @internal */
export type JumpOp = "==" | "!=" | ">" | ">=" | "<" | "<=" | "&";

const JUMP_OPCODE: Record<JumpOp, number> = {
  "==": BPF.JEQ,
  "!=": BPF.JNE,
  ">": BPF.JGT,
  ">=": BPF.JGE,
  "<": BPF.JLT,
  "<=": BPF.JLE,
  "&": BPF.JSET,
};

/** Builds a program from instructions and labels. @internal */
export class Assembler {
  private readonly items: Item[] = [];
  private nextLabelId = 0;
  private readonly placed = new Set<number>();

  /** A fresh label; names need not be unique (they only show in listings). */
  label(name: string): Label {
    return { name, id: this.nextLabelId++ };
  }

  /** Mark the position of `label`: it resolves to the next instruction emitted. */
  place(label: Label): void {
    if (this.placed.has(label.id)) throw new Error(`label ${label.name} placed twice`);
    this.placed.add(label.id);
    this.items.push({ kind: "label", label });
  }

  private push(insn: BpfInsn, target?: Label, comment?: string): void {
    checkRegister(insn.dst);
    checkRegister(insn.src);
    this.items.push({ kind: "insn", insn, target, comment });
  }

  /** `dst = *(u32 *)(src + off)` */
  loadWord(dst: number, src: number, off: number, comment?: string): void {
    this.push({ code: BPF.LDX | BPF.MEM | BPF.W, dst, src, off, imm: 0 }, undefined, comment);
  }

  /** 32-bit ALU with an immediate: `wdst op= imm` (the result is zero-extended). */
  alu32Imm(op: "=" | "-=" | "&=" | "<<=" | ">>=", dst: number, imm: number, comment?: string): void {
    checkU32(imm, "immediate");
    const code = { "=": BPF.MOV, "-=": BPF.SUB, "&=": BPF.AND, "<<=": BPF.LSH, ">>=": BPF.RSH }[op];
    this.push({ code: BPF.ALU | code | BPF.K, dst, src: 0, off: 0, imm: imm | 0 }, undefined, comment);
  }

  /** 32-bit ALU between registers: `wdst op= wsrc`. */
  alu32Reg(op: "=" | "<<=" | ">>=", dst: number, src: number, comment?: string): void {
    const code = { "=": BPF.MOV, "<<=": BPF.LSH, ">>=": BPF.RSH }[op];
    this.push({ code: BPF.ALU | code | BPF.X, dst, src, off: 0, imm: 0 }, undefined, comment);
  }

  /**
   * `if reg op imm goto target`, comparing the register as an unsigned 32-bit value. The
   * registers this package compares hold zero-extended u32 loads, so a 64-bit jump is exact
   * while the immediate's sign extension is harmless (imm below 2^31); above that the 32-bit
   * jump class (kernel 5.1) compares the low halves instead. `&` (JSET) is exact either way.
   */
  jumpImm(op: JumpOp, reg: number, imm: number, target: Label, comment?: string): void {
    checkU32(imm, "comparison immediate");
    const cls = op === "&" || imm <= S32_MAX ? BPF.JMP : BPF.JMP32;
    this.push({ code: cls | JUMP_OPCODE[op] | BPF.K, dst: reg, src: 0, off: 0, imm: imm | 0 }, target, comment);
  }

  /** `goto target` */
  jump(target: Label, comment?: string): void {
    this.push({ code: BPF.JMP | BPF.JA, dst: 0, src: 0, off: 0, imm: 0 }, target, comment);
  }

  /** `exit` (returns r0) */
  exit(comment?: string): void {
    this.push({ code: BPF.JMP | BPF.EXIT, dst: 0, src: 0, off: 0, imm: 0 }, undefined, comment);
  }

  /** Resolve labels into offsets, after pruning unreachable code and jumps to the next instruction. */
  assemble(): AssembledProgram {
    let items = this.items.slice();
    for (const item of items) {
      if (item.kind === "insn" && item.target && !this.placed.has(item.target.id)) {
        throw new Error(`jump to label ${item.target.name} that was never placed`);
      }
    }
    for (let changed = true; changed; ) {
      const before = items.length;
      items = dropUnreachable(items);
      items = dropJumpsToNext(items);
      changed = items.length !== before;
    }
    return resolve(items);
  }
}

/** Index of the instruction each label resolves to, given the items in order. */
function labelPositions(items: readonly Item[]): Map<number, number> {
  const at = new Map<number, number>();
  let index = 0;
  for (const item of items) {
    if (item.kind === "label") at.set(item.label.id, index);
    else index++;
  }
  return at;
}

function isExit(insn: BpfInsn): boolean {
  return insn.code === (BPF.JMP | BPF.EXIT);
}

function isUnconditional(insn: BpfInsn): boolean {
  return insn.code === (BPF.JMP | BPF.JA);
}

function dropUnreachable(items: readonly Item[]): Item[] {
  const insns = items.filter((i): i is InsnItem => i.kind === "insn");
  const labels = labelPositions(items);
  const reachable = new Array<boolean>(insns.length).fill(false);
  const work = insns.length > 0 ? [0] : [];
  while (work.length > 0) {
    const at = work.pop()!;
    if (at >= insns.length) throw new Error("eBPF program falls off its end");
    if (reachable[at]) continue;
    reachable[at] = true;
    const item = insns[at]!;
    if (item.target) work.push(labels.get(item.target.id)!);
    if (!isExit(item.insn) && !isUnconditional(item.insn)) work.push(at + 1);
  }
  let index = 0;
  return items.filter((item) => item.kind === "label" || reachable[index++]);
}

function dropJumpsToNext(items: readonly Item[]): Item[] {
  const labels = labelPositions(items);
  let index = 0;
  return items.filter((item) => {
    if (item.kind === "label") return true;
    const here = index++;
    return !(item.target && labels.get(item.target.id) === here + 1);
  });
}

function resolve(items: readonly Item[]): AssembledProgram {
  const labels = labelPositions(items);
  const labelNames = new Map<number, string[]>();
  for (const item of items) {
    if (item.kind !== "label") continue;
    const at = labels.get(item.label.id)!;
    labelNames.set(at, [...(labelNames.get(at) ?? []), item.label.name]);
  }
  const insns: BpfInsn[] = [];
  const lines: string[] = [];
  for (const item of items) {
    if (item.kind !== "insn") continue;
    const index = insns.length;
    let insn = item.insn;
    if (item.target) {
      const off = labels.get(item.target.id)! - (index + 1);
      if (off < 0) throw new Error(`backward jump to ${item.target.name}: the generator emits forward jumps only`);
      if (off > 0x7fff) throw new RangeError(`jump to ${item.target.name} is ${off} instructions away, beyond the 16-bit offset`);
      insn = { ...insn, off };
    }
    insns.push(insn);
    const names = labelNames.get(index);
    const notes = [names ? `<${names.join(",")}>` : undefined, item.comment].filter(Boolean).join(" ");
    const text = disassemble(insn, index);
    lines.push(`${String(index).padStart(4)}: ${notes ? `${text.padEnd(36)} ; ${notes}` : text}`);
  }
  return { insns, lines };
}
