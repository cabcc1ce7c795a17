// Apply a device policy to a cgroup v2 group: compile, load, attach in place of our earlier
// program without a moment where none is attached, verify by querying, and fail closed.
//
// "Ours" are the device programs named DEVICE_PROGRAM_NAME; programs other tools attached are
// left alone (with BPF_F_ALLOW_MULTI every attached program must allow an access, so theirs
// only ever restrict further).
//
// Order: everything that can fail without touching the group comes first (validation and
// compilation, the cgroup2 check, the query, the load). The group then changes in one step:
// BPF_F_REPLACE swaps our program for the new one atomically (kernel 5.6+). Where the kernel
// lacks BPF_F_REPLACE, the new program is attached next to the old one and the old one is then
// detached: in between both run, which is stricter than either, never looser. Nothing is ever
// detached before its successor is attached.
//
// Outside the CgroupFs seam, on purpose: this path reads and writes no control file. What it
// does to the directory is statfs(2) and stat(2) (the cgroup2 and root checks) and open(2) with
// O_DIRECTORY for the fd that bpf(2) attaches to; the fd is a kernel object a substitute
// filesystem could not produce, CgroupFs has no fd-returning open and no inode number, and its
// statfs is asynchronous while this public API is synchronous. They are gathered in
// withCgroupDir below and report errors as the seam does (ioError); tests substitute the bpf(2)
// calls (BpfDeviceOps) instead.
import * as fs from "node:fs";
import { InvalidValueError, UnsupportedError } from "../../runtime/errors.js";
import { ioError } from "../../runtime/fs.js";
import * as bpf from "./bpf.js";
import type { BpfProgramInfo, BpfQueryResult, LoadedProgram } from "./bpf.js";
import { compileDenyAll, compileDeviceFilter, type CompiledDeviceFilter, type DeviceFilterPolicy } from "./compile.js";
import { DeviceAclError } from "../errors.js";
import { BpfError } from "./errors.js";

/** Name given to every device program this package loads (prog_name, at most 15 bytes). @beta */
export const DEVICE_PROGRAM_NAME = "cgroupkit_dev";

const CGROUP2_SUPER_MAGIC = 0x63677270;
const KERNFS_ROOT_INO = 1;

/** The bpf(2) operations the apply path uses; tests wrap them to inject faults. @internal */
export interface BpfDeviceOps {
  /** BPF_PROG_LOAD of a device program. */
  load(bytecode: Buffer, name: string): LoadedProgram;
  /** BPF_PROG_ATTACH to a cgroup directory fd. */
  attach(cgroupFd: number, progFd: number, flags: number, replaceFd: number | undefined, target: string): void;
  /** BPF_PROG_DETACH from a cgroup directory fd. */
  detach(cgroupFd: number, progFd: number, target: string): void;
  /** BPF_PROG_QUERY of the programs attached to the group itself. */
  query(cgroupFd: number, target: string): BpfQueryResult;
  /** BPF_PROG_GET_FD_BY_ID. */
  fdById(id: number): number;
  /** BPF_OBJ_GET_INFO_BY_FD of a program. */
  info(progFd: number): BpfProgramInfo;
  /** close(2) of a program fd. */
  close(fd: number): void;
}

/** The real bpf(2) calls. @internal */
export const kernelBpfOps: BpfDeviceOps = {
  load: (bytecode, name) => bpf.loadDeviceProgram(bytecode, name),
  attach: (cgroupFd, progFd, flags, replaceFd, target) => bpf.attachDeviceProgram(cgroupFd, progFd, flags, replaceFd, target),
  detach: (cgroupFd, progFd, target) => bpf.detachDeviceProgram(cgroupFd, progFd, target),
  query: (cgroupFd, target) => bpf.queryDevicePrograms(cgroupFd, target),
  fdById: (id) => bpf.programFdById(id),
  info: (fd) => bpf.programInfo(fd),
  close: (fd) => bpf.closeFd(fd),
};

/** Options of the v2 device calls. @beta */
export interface V2DeviceOptions {
  /** @internal Substitute bpf(2) operations (fault injection in tests). */
  readonly ops?: BpfDeviceOps;
}

/** One device program attached to a group. @beta */
export interface V2DeviceProgram {
  /** The kernel's program id. */
  readonly id: number;
  /** The name it was loaded with. */
  readonly name: string;
  /** The kernel's tag (hash) of the program. */
  readonly tag: string;
  /** Loaded by this package (named {@link DEVICE_PROGRAM_NAME}). */
  readonly ours: boolean;
  /** Instructions after the kernel's rewriting. */
  readonly xlatedInsns: number;
  /** Instructions the verifier processed (kernel 5.16+). */
  readonly verifiedInsns: number | undefined;
}

/** The device programs attached directly to a group. @beta */
export interface V2DeviceQuery {
  /** The group's attach flags for device programs (2 = BPF_F_ALLOW_MULTI); 0 when none is attached. */
  readonly attachFlags: number;
  /** In the order the kernel runs them. */
  readonly programs: readonly V2DeviceProgram[];
}

/** What applying a policy through eBPF did ({@link applyDevicePolicy} on cgroup2, or `applyV2DevicePolicy` of `cgroupkit/ebpf`). @public */
export interface V2ApplyResult {
  /** Kernel id of the program now attached. */
  readonly programId: number;
  /** How it was attached: atomically replacing ours, next to others (none of ours before), or next to ours then detaching them (no BPF_F_REPLACE). */
  readonly method: "replace" | "attach" | "attach-then-detach";
  /** Ids of our earlier programs it replaced or detached. */
  readonly replacedIds: readonly number[];
  /** The compiled program. */
  readonly program: CompiledDeviceFilter;
  /** The verifier's log (level 1) and its "processed N insns" count. */
  readonly verifierLog: string;
  /** Instructions the verifier walked, where the log says. */
  readonly verifierProcessedInsns: number | undefined;
}

interface OpenProgram {
  readonly id: number;
  readonly fd: number;
}

/**
 * Refuse anything but a directory on a cgroup2 filesystem, before any bpf(2) call; and, for
 * changes, the hierarchy's root group, where a device program would bind every process on the
 * host (kernfs gives the root directory inode 1; a cgroup namespace's root is not the root).
 */
function checkCgroup2Dir(dir: string, change: boolean): void {
  let type: number | bigint;
  let ino: number | bigint;
  try {
    type = fs.statfsSync(dir).type;
    ino = fs.statSync(dir).ino;
  } catch (err) {
    throw ioError("stat", dir, err);
  }
  if (Number(type) !== CGROUP2_SUPER_MAGIC) {
    throw new UnsupportedError(`${dir} is not on a cgroup2 filesystem (eBPF device programs attach to cgroup v2 groups; use the v1 devices controller there)`);
  }
  if (change && Number(ino) === KERNFS_ROOT_INO) {
    throw new InvalidValueError(dir, dir, "this is the root of the cgroup2 hierarchy: a device program there would restrict every process on the host; give a child group");
  }
}

/** Check the group's directory, open it for bpf(2), run `use` with the fd, and close it. */
function withCgroupDir<T>(dir: string, change: boolean, use: (cgroupFd: number) => T): T {
  checkCgroup2Dir(dir, change);
  let cgroupFd: number;
  try {
    cgroupFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    throw ioError("open", dir, err);
  }
  try {
    return use(cgroupFd);
  } finally {
    fs.closeSync(cgroupFd);
  }
}

/** Open every program attached to the group; a program freed meanwhile is skipped. */
function openAttached(ops: BpfDeviceOps, cgroupFd: number, dir: string): { attachFlags: number; programs: { id: number; fd: number; info: bpf.BpfProgramInfo }[] } {
  const { attachFlags, programIds } = ops.query(cgroupFd, dir);
  const programs: { id: number; fd: number; info: bpf.BpfProgramInfo }[] = [];
  try {
    for (const id of programIds) {
      let fd: number;
      try {
        fd = ops.fdById(id);
      } catch (err) {
        if (err instanceof BpfError && err.errno === "ENOENT") continue;
        throw err;
      }
      let info: bpf.BpfProgramInfo;
      try {
        info = ops.info(fd);
      } catch (err) {
        ops.close(fd);
        throw err;
      }
      programs.push({ id, fd, info });
    }
  } catch (err) {
    for (const p of programs) ops.close(p.fd);
    throw err;
  }
  return { attachFlags, programs };
}

/** Our programs attached to the group, opened (the caller closes the fds). */
function openOurs(ops: BpfDeviceOps, cgroupFd: number, dir: string): OpenProgram[] {
  const { programs } = openAttached(ops, cgroupFd, dir);
  const ours: OpenProgram[] = [];
  for (const p of programs) {
    if (p.info.name === DEVICE_PROGRAM_NAME) ours.push({ id: p.id, fd: p.fd });
    else ops.close(p.fd);
  }
  return ours;
}

/**
 * Attach `progFd` in place of our programs `ours`: replace the first atomically, then detach
 * the rest (left over by an interrupted earlier run). Returns the method used.
 */
function attachInPlace(ops: BpfDeviceOps, cgroupFd: number, dir: string, progFd: number, ours: readonly OpenProgram[]): V2ApplyResult["method"] {
  const [first, ...rest] = ours;
  let method: V2ApplyResult["method"] = "attach";
  if (first) {
    try {
      ops.attach(cgroupFd, progFd, bpf.BPF_F_ALLOW_MULTI | bpf.BPF_F_REPLACE, first.fd, dir);
      method = "replace";
    } catch (err) {
      // EINVAL: no BPF_F_REPLACE (kernel < 5.6); ENOENT: the old program went away meanwhile.
      if (!(err instanceof BpfError) || (err.errno !== "EINVAL" && err.errno !== "ENOENT")) throw err;
      ops.attach(cgroupFd, progFd, bpf.BPF_F_ALLOW_MULTI, undefined, dir);
      method = "attach-then-detach";
      rest.unshift(first);
    }
  } else {
    ops.attach(cgroupFd, progFd, bpf.BPF_F_ALLOW_MULTI, undefined, dir);
  }
  for (const old of rest) {
    try {
      ops.detach(cgroupFd, old.fd, dir);
    } catch (err) {
      if (!(err instanceof BpfError) || err.errno !== "ENOENT") throw err;
    }
  }
  return method;
}

/** The group's programs now: ours must be exactly `expectedId`. */
function verifyAttached(ops: BpfDeviceOps, cgroupFd: number, dir: string, expectedId: number): void {
  const ours = openOurs(ops, cgroupFd, dir);
  for (const p of ours) ops.close(p.fd);
  const ids = ours.map((p) => p.id);
  if (ids.length !== 1 || ids[0] !== expectedId) {
    throw new Error(`after attaching program ${expectedId}, the group's ${DEVICE_PROGRAM_NAME} programs are [${ids.join(", ")}]`);
  }
}

/** Load `program` and put it in place of ours; returns the new id and how. */
function loadAndAttach(ops: BpfDeviceOps, cgroupFd: number, dir: string, program: CompiledDeviceFilter, step: { name: string }) {
  step.name = "query";
  const ours = openOurs(ops, cgroupFd, dir);
  let fd = -1;
  try {
    step.name = "load";
    const loaded = ops.load(program.bytecode, DEVICE_PROGRAM_NAME);
    fd = loaded.fd;
    const id = ops.info(fd).id;
    step.name = "attach";
    const method = attachInPlace(ops, cgroupFd, dir, fd, ours);
    step.name = "verify";
    verifyAttached(ops, cgroupFd, dir, id);
    return { id, method, loaded, replacedIds: ours.map((p) => p.id) };
  } finally {
    if (fd >= 0) ops.close(fd);
    for (const p of ours) ops.close(p.fd);
  }
}

/**
 * Enforce `policy` on the cgroup v2 group at `cgroupDir` with an eBPF device program.
 * The policy is validated and compiled before any syscall. Our earlier program, if any, is
 * replaced with no moment where none is attached; the result is checked with BPF_PROG_QUERY.
 * The kernel keeps the program attached after this process exits, until the group is removed.
 * Fails closed: when anything fails once the group may have been touched, the group is given
 * a deny-all program and a {@link DeviceAclError} says so.
 * @throws InvalidValueError for a malformed policy or the hierarchy's root group (nothing touched); UnsupportedError when the
 * directory is not on cgroup2 or the platform has no bpf(2); CgroupIoError when it cannot be
 * opened; DeviceAclError for a failure after that (with `deniedAll`).
 * @beta
 */
export function applyV2DevicePolicy(cgroupDir: string, policy: DeviceFilterPolicy, options: V2DeviceOptions = {}): V2ApplyResult {
  const program = compileDeviceFilter(policy);
  return applyCompiled(cgroupDir, program, options);
}

function applyCompiled(dir: string, program: CompiledDeviceFilter, options: V2DeviceOptions): V2ApplyResult {
  const ops = options.ops ?? kernelBpfOps;
  return withCgroupDir(dir, true, (cgroupFd) => {
    const step = { name: "query" };
    try {
      const { id, method, loaded, replacedIds } = loadAndAttach(ops, cgroupFd, dir, program, step);
      return { programId: id, method, replacedIds, program, verifierLog: loaded.verifierLog, verifierProcessedInsns: loaded.processedInsns };
    } catch (err) {
      return failClosed(ops, cgroupFd, dir, step.name, err);
    }
  });
}

/** Put a deny-all program in place of ours (or next to the others), then throw. */
function failClosed(ops: BpfDeviceOps, cgroupFd: number, dir: string, failed: string, cause: unknown): never {
  try {
    loadAndAttach(ops, cgroupFd, dir, compileDenyAll(), { name: "" });
  } catch (closeError) {
    // The query may be what failed: attach deny-all next to whatever is there (stricter still).
    try {
      const loaded = ops.load(compileDenyAll().bytecode, DEVICE_PROGRAM_NAME);
      try {
        ops.attach(cgroupFd, loaded.fd, bpf.BPF_F_ALLOW_MULTI, undefined, dir);
      } finally {
        ops.close(loaded.fd);
      }
    } catch {
      throw new DeviceAclError(dir, failed, false, { mechanism: "ebpf", cause, closeError });
    }
  }
  throw new DeviceAclError(dir, failed, true, { mechanism: "ebpf", cause });
}

/**
 * The device programs attached directly to the group (inherited ones are not listed).
 * @throws UnsupportedError, CgroupIoError, BpfError.
 * @beta
 */
export function queryV2DevicePrograms(cgroupDir: string, options: V2DeviceOptions = {}): V2DeviceQuery {
  const ops = options.ops ?? kernelBpfOps;
  return withCgroupDir(cgroupDir, false, (cgroupFd) => {
    const { attachFlags, programs } = openAttached(ops, cgroupFd, cgroupDir);
    for (const p of programs) ops.close(p.fd);
    return {
      attachFlags,
      programs: programs.map(({ id, info }) => ({
        id,
        name: info.name,
        tag: info.tag,
        ours: info.name === DEVICE_PROGRAM_NAME,
        xlatedInsns: info.xlatedInsns,
        verifiedInsns: info.verifiedInsns,
      })),
    };
  });
}

/**
 * Detach our device programs from the group (others stay). Afterwards the group's device
 * access is whatever remaining programs and ancestors allow: with none, every device.
 * Returns the ids detached.
 * @throws UnsupportedError, CgroupIoError, BpfError.
 * @beta
 */
export function removeV2DevicePolicy(cgroupDir: string, options: V2DeviceOptions = {}): number[] {
  const ops = options.ops ?? kernelBpfOps;
  return withCgroupDir(cgroupDir, true, (cgroupFd) => {
    const ours = openOurs(ops, cgroupFd, cgroupDir);
    const detached: number[] = [];
    try {
      for (const p of ours) {
        try {
          ops.detach(cgroupFd, p.fd, cgroupDir);
          detached.push(p.id);
        } catch (err) {
          if (!(err instanceof BpfError) || err.errno !== "ENOENT") throw err;
        }
      }
    } finally {
      for (const p of ours) ops.close(p.fd);
    }
    return detached;
  });
}
