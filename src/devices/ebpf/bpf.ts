// The bpf(2) calls a cgroup device filter needs, through libc's syscall() via koffi.
// Layouts of union bpf_attr and struct bpf_prog_info follow include/uapi/linux/bpf.h; the
// offsets below were checked with offsetof() against the UAPI header, and the fields used are
// at the same offsets in every kernel since they appeared (the union only grows at the end).
import { createRequire } from "node:module";
import * as os from "node:os";
import { InvalidValueError, UnsupportedError } from "../../runtime/errors.js";
import { BpfError, type BpfCommandName } from "./errors.js";

/** bpf(2) syscall numbers per Node architecture (arch/*\/syscall tables, asm-generic 280). @internal */
export const BPF_SYSCALL_NUMBERS: Readonly<Partial<Record<NodeJS.Architecture, number>>> = Object.freeze({
  x64: 321,
  ia32: 357,
  arm: 386,
  arm64: 280,
  riscv64: 280,
  loong64: 280,
  ppc64: 361,
  s390x: 351,
});

/**
 * The bpf(2) syscall number on `arch`.
 * @throws UnsupportedError for an architecture not in the table.
 * @internal
 */
export function bpfSyscallNumber(arch: string): number {
  const nr = (BPF_SYSCALL_NUMBERS as Record<string, number | undefined>)[arch];
  if (nr === undefined) {
    throw new UnsupportedError(`no bpf(2) syscall number known for architecture ${arch} (known: ${Object.keys(BPF_SYSCALL_NUMBERS).join(", ")})`);
  }
  return nr;
}

/** enum bpf_cmd values. @internal */
export const BPF_CMD: Readonly<Record<BpfCommandName, number>> = Object.freeze({
  BPF_PROG_LOAD: 5,
  BPF_PROG_ATTACH: 8,
  BPF_PROG_DETACH: 9,
  BPF_PROG_GET_FD_BY_ID: 13,
  BPF_OBJ_GET_INFO_BY_FD: 15,
  BPF_PROG_QUERY: 16,
});

/** enum bpf_prog_type BPF_PROG_TYPE_CGROUP_DEVICE. @internal */
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
/** enum bpf_attach_type BPF_CGROUP_DEVICE. @internal */
export const BPF_CGROUP_DEVICE = 6;
/** Attach flags. @beta */
export const BPF_F_ALLOW_OVERRIDE = 1;
/** Attach flag: the group may hold several programs, all of which must allow an access. @beta */
export const BPF_F_ALLOW_MULTI = 2;
/** Attach flag: the new program replaces the one given by fd, in one step (no unfiltered gap). @beta */
export const BPF_F_REPLACE = 4;
/** BPF_OBJ_NAME_LEN: program names hold at most 15 bytes plus NUL. @internal */
export const BPF_OBJ_NAME_LEN = 16;

/**
 * Size of the attr buffer passed: at least every field used. A kernel with a larger union reads
 * the rest as zero; one with a smaller union checks that the bytes it does not know are zero,
 * which they are, since only fields it has are set.
 */
const ATTR_SIZE = 144;
const PROG_INFO_SIZE = 232;

// union bpf_attr offsets
const LOAD = { progType: 0, insnCnt: 4, insns: 8, license: 16, logLevel: 24, logSize: 28, logBuf: 32, progName: 48 } as const;
const ATTACH = { targetFd: 0, attachBpfFd: 4, attachType: 8, attachFlags: 12, replaceBpfFd: 16 } as const;
const QUERY = { targetFd: 0, attachType: 4, queryFlags: 8, attachFlags: 12, progIds: 16, progCnt: 24 } as const;
const GET_FD = { progId: 0 } as const;
const INFO = { bpfFd: 0, infoLen: 4, info: 8 } as const;
// struct bpf_prog_info offsets
const PROG_INFO = { type: 0, id: 4, tag: 8, xlatedProgLen: 20, loadTime: 40, createdByUid: 48, name: 64, verifiedInsns: 216 } as const;

/** Verifier log levels: 1 is the per-branch log plus the "processed N insns" summary. */
const LOG_LEVEL = 1;
const LOG_SIZE_FIRST = 64 * 1024;
const LOG_SIZE_MAX = 16 * 1024 * 1024;
const EAGAIN_RETRIES = 5;

interface Native {
  syscall(nr: number, ...args: unknown[]): number;
  close(fd: number): number;
  errno(): number;
  address(buffer: Buffer): bigint;
}

let native: Native | undefined;

/** koffi and libc, loaded on first use so that importing this module never needs them. */
function loadNative(): Native {
  if (native) return native;
  if (process.platform !== "linux") throw new UnsupportedError(`bpf(2) exists only on Linux, not ${process.platform}`);
  bpfSyscallNumber(process.arch);
  const require = createRequire(import.meta.url);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require("koffi") as typeof import("koffi");
  let libc: ReturnType<typeof koffi.load>;
  try {
    libc = koffi.load(null); // the running node binary and the libc it links
    libc.func("long syscall(long number, ...)");
  } catch {
    libc = koffi.load("libc.so.6");
  }
  const syscall = libc.func("long syscall(long number, ...)");
  const close = libc.func("int close(int fd)");
  native = {
    syscall: (nr, ...args) => Number(syscall(nr, ...args)),
    close: (fd) => Number(close(fd)),
    errno: () => koffi.errno(),
    address: (buffer) => koffi.address(buffer),
  };
  return native;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));
// Kernel-internal errno values that can leak out of bpf(2).
ERRNO_NAMES.set(524, "ENOTSUPP");

function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

/** Issue one bpf(2) command; returns the non-negative result or the errno name. */
function bpfRaw(command: BpfCommandName, attr: Buffer): { ok: true; value: number } | { ok: false; errno: string } {
  const lib = loadNative();
  const nr = bpfSyscallNumber(process.arch);
  const result = lib.syscall(nr, "int", BPF_CMD[command], "void *", attr, "uint", attr.length);
  if (result >= 0) return { ok: true, value: result };
  return { ok: false, errno: errnoName(lib.errno()) };
}

function bpfOrThrow(command: BpfCommandName, attr: Buffer, target?: string): number {
  for (let attempt = 0; ; attempt++) {
    const r = bpfRaw(command, attr);
    if (r.ok) return r.value;
    if ((r.errno === "EAGAIN" || r.errno === "EINTR") && attempt < EAGAIN_RETRIES) continue;
    throw new BpfError(command, r.errno, { target });
  }
}

/** Close a file descriptor returned by bpf(2) (libc close). @internal */
export function closeFd(fd: number): void {
  if (fd >= 0) loadNative().close(fd);
}

/** A loaded program: its fd (the caller closes it) and the verifier's report. @beta */
export interface LoadedProgram {
  /** The program's file descriptor. */
  readonly fd: number;
  /** The verifier log at level 1. */
  readonly verifierLog: string;
  /** "processed N insns" from the log: how many instructions the verifier walked. */
  readonly processedInsns: number | undefined;
}

/** Parse the verifier's "processed N insns" summary line. @internal */
export function parseProcessedInsns(log: string): number | undefined {
  const m = /processed (\d+) insns/.exec(log);
  return m ? Number(m[1]) : undefined;
}

/**
 * BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. The license only matters for
 * GPL-only helpers, which device filters do not call; the package's own license is given.
 * The verifier log is captured at level 1, growing the buffer when the kernel says ENOSPC.
 * EAGAIN is retried.
 * @throws BpfError with the verifier log when the kernel refuses the program.
 * @internal
 */
export function loadDeviceProgram(bytecode: Buffer, name: string, license = "MIT"): LoadedProgram {
  if (bytecode.length === 0 || bytecode.length % 8 !== 0) {
    throw new InvalidValueError("eBPF program", `${bytecode.length} bytes`, "not a whole number of 8-byte instructions");
  }
  if (name.length >= BPF_OBJ_NAME_LEN || !/^[A-Za-z0-9_.]*$/.test(name)) {
    throw new InvalidValueError("eBPF program name", name, `at most ${BPF_OBJ_NAME_LEN - 1} of A-Z a-z 0-9 _ . (the kernel's prog_name)`);
  }
  const nameBytes = Buffer.from(name, "ascii");
  const licenseBuf = Buffer.from(`${license}\0`, "ascii");
  const lib = loadNative();
  let logSize = LOG_SIZE_FIRST;
  for (let attempt = 0; ; attempt++) {
    const log = Buffer.alloc(logSize);
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, LOAD.progType);
    attr.writeUInt32LE(bytecode.length / 8, LOAD.insnCnt);
    attr.writeBigUInt64LE(lib.address(bytecode), LOAD.insns);
    attr.writeBigUInt64LE(lib.address(licenseBuf), LOAD.license);
    attr.writeUInt32LE(LOG_LEVEL, LOAD.logLevel);
    attr.writeUInt32LE(log.length, LOAD.logSize);
    attr.writeBigUInt64LE(lib.address(log), LOAD.logBuf);
    nameBytes.copy(attr, LOAD.progName);
    const r = bpfRaw("BPF_PROG_LOAD", attr);
    const text = log.toString("utf8", 0, Math.max(0, log.indexOf(0)));
    if (r.ok) return { fd: r.value, verifierLog: text, processedInsns: parseProcessedInsns(text) };
    if (r.errno === "ENOSPC" && logSize < LOG_SIZE_MAX) {
      logSize *= 4;
      continue;
    }
    if ((r.errno === "EAGAIN" || r.errno === "EINTR") && attempt < EAGAIN_RETRIES) continue;
    throw new BpfError("BPF_PROG_LOAD", r.errno, { verifierLog: text, detail: `program ${name}, ${bytecode.length / 8} instructions` });
  }
}

/**
 * BPF_PROG_ATTACH of a device program to a cgroup directory fd, with `flags`
 * ({@link BPF_F_ALLOW_MULTI}, plus {@link BPF_F_REPLACE} and `replaceFd` to swap one attached
 * program for another in one step).
 * @internal
 */
export function attachDeviceProgram(cgroupFd: number, progFd: number, flags: number, replaceFd?: number, target?: string): void {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, ATTACH.targetFd);
  attr.writeUInt32LE(progFd, ATTACH.attachBpfFd);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, ATTACH.attachType);
  attr.writeUInt32LE(flags, ATTACH.attachFlags);
  if (replaceFd !== undefined) attr.writeUInt32LE(replaceFd, ATTACH.replaceBpfFd);
  bpfOrThrow("BPF_PROG_ATTACH", attr, target);
}

/** BPF_PROG_DETACH of one device program from a cgroup directory fd. @internal */
export function detachDeviceProgram(cgroupFd: number, progFd: number, target?: string): void {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(cgroupFd, ATTACH.targetFd);
  attr.writeUInt32LE(progFd, ATTACH.attachBpfFd);
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, ATTACH.attachType);
  bpfOrThrow("BPF_PROG_DETACH", attr, target);
}

/** What BPF_PROG_QUERY reports for one attach type of a cgroup. @beta */
export interface BpfQueryResult {
  /** The group's attach flags for device programs (BPF_F_ALLOW_MULTI etc.); 0 when none is attached. */
  readonly attachFlags: number;
  /** Ids of the programs attached to this group itself (not inherited), in run order. */
  readonly programIds: readonly number[];
}

/** BPF_PROG_QUERY of the device programs attached directly to a cgroup. @internal */
export function queryDevicePrograms(cgroupFd: number, target?: string): BpfQueryResult {
  const lib = loadNative();
  let capacity = 64;
  for (;;) {
    const ids = Buffer.alloc(capacity * 4);
    const attr = Buffer.alloc(ATTR_SIZE);
    attr.writeUInt32LE(cgroupFd, QUERY.targetFd);
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, QUERY.attachType);
    attr.writeUInt32LE(0, QUERY.queryFlags);
    attr.writeBigUInt64LE(lib.address(ids), QUERY.progIds);
    attr.writeUInt32LE(capacity, QUERY.progCnt);
    const r = bpfRaw("BPF_PROG_QUERY", attr);
    const count = attr.readUInt32LE(QUERY.progCnt);
    if (!r.ok && r.errno === "ENOSPC" && count > capacity) {
      capacity = count;
      continue;
    }
    if (!r.ok) throw new BpfError("BPF_PROG_QUERY", r.errno, { target });
    const programIds: number[] = [];
    for (let i = 0; i < count; i++) programIds.push(ids.readUInt32LE(i * 4));
    return { attachFlags: attr.readUInt32LE(QUERY.attachFlags), programIds };
  }
}

/** BPF_PROG_GET_FD_BY_ID: an fd for a loaded program (the caller closes it). @internal */
export function programFdById(id: number): number {
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(id, GET_FD.progId);
  return bpfOrThrow("BPF_PROG_GET_FD_BY_ID", attr, `program ${id}`);
}

/** What BPF_OBJ_GET_INFO_BY_FD reports about a program. @beta */
export interface BpfProgramInfo {
  /** Program type number (BPF_PROG_TYPE_CGROUP_DEVICE is 15). */
  readonly type: number;
  /** The kernel's id of the program. */
  readonly id: number;
  /** The kernel's hash of the translated program, hex. */
  readonly tag: string;
  /** The name it was loaded with (at most 15 bytes). */
  readonly name: string;
  /** Instructions after the kernel's rewriting (xlated_prog_len / 8). */
  readonly xlatedInsns: number;
  /** Instructions the verifier processed (kernel 5.16+). */
  readonly verifiedInsns: number | undefined;
  /** Uid of the process that loaded it. */
  readonly createdByUid: number;
  /** Nanoseconds since boot at load time. */
  readonly loadTime: bigint;
}

/** BPF_OBJ_GET_INFO_BY_FD for a program fd. @internal */
export function programInfo(progFd: number): BpfProgramInfo {
  const lib = loadNative();
  const info = Buffer.alloc(PROG_INFO_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(progFd, INFO.bpfFd);
  attr.writeUInt32LE(info.length, INFO.infoLen);
  attr.writeBigUInt64LE(lib.address(info), INFO.info);
  bpfOrThrow("BPF_OBJ_GET_INFO_BY_FD", attr, `program fd ${progFd}`);
  const filled = attr.readUInt32LE(INFO.infoLen);
  const nameEnd = info.indexOf(0, PROG_INFO.name);
  return {
    type: info.readUInt32LE(PROG_INFO.type),
    id: info.readUInt32LE(PROG_INFO.id),
    tag: info.subarray(PROG_INFO.tag, PROG_INFO.tag + 8).toString("hex"),
    name: info.toString("ascii", PROG_INFO.name, nameEnd < 0 || nameEnd > PROG_INFO.name + 16 ? PROG_INFO.name + 16 : nameEnd),
    xlatedInsns: info.readUInt32LE(PROG_INFO.xlatedProgLen) / 8,
    verifiedInsns: filled >= PROG_INFO.verifiedInsns + 4 ? info.readUInt32LE(PROG_INFO.verifiedInsns) : undefined,
    createdByUid: info.readUInt32LE(PROG_INFO.createdByUid),
    loadTime: info.readBigUInt64LE(PROG_INFO.loadTime),
  };
}
