// The calling process's privilege, which decides what cgroupkit may do: its capabilities, its user
// namespace, and whether it may write a given cgroupfs file. Read from /proc; never throws for an odd host.
import { CgroupError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";

/** Capability numbers (linux/capability.h) cgroupkit's checks name. @internal */
export const CAP = Object.freeze({ NET_ADMIN: 12, SYS_ADMIN: 21, BPF: 39 });

/** The calling process's privilege, as /proc/self/status and /proc/self/uid_map show it. @internal */
export interface ProcessPrivilege {
  readonly euid: number;
  /** `CapEff` as a bit set; undefined when /proc/self/status could not be read. */
  readonly effective: bigint | undefined;
  /** In the initial user namespace (uid_map `0 0 4294967295`): only there do capabilities reach the cgroup and BPF checks. */
  readonly initUserNamespace: boolean | undefined;
}

async function readOptional(fs: CgroupFs, file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (err instanceof CgroupError) return undefined;
    throw err;
  }
}

/** Read the calling process's euid, effective capabilities and user namespace. @internal */
export async function readProcessPrivilege(fs: CgroupFs): Promise<ProcessPrivilege> {
  const status = await readOptional(fs, "/proc/self/status");
  const capEff = status && /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const uidLine = status && /^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1];
  const uidMap = await readOptional(fs, "/proc/self/uid_map");
  return {
    euid: uidLine ? Number(uidLine) : (process.geteuid?.() ?? -1),
    effective: capEff ? BigInt(`0x${capEff}`) : undefined,
    initUserNamespace: uidMap === undefined ? undefined : /^\s*0\s+0\s+4294967295\s*$/.test(uidMap.trim()),
  };
}

/** Whether the process holds a capability in the initial user namespace; undefined when that cannot be told. @internal */
export function hasCapability(p: ProcessPrivilege, cap: number): boolean | undefined {
  if (p.effective === undefined) return undefined;
  if (p.initUserNamespace === false) return false;
  return ((p.effective >> BigInt(cap)) & 1n) === 1n;
}

/** Whether `stat` lets the process write the file (owner, group or other bits; root always). @internal */
export function writableBy(stat: { readonly mode: number; readonly uid: number; readonly gid: number }, euid: number, groups: readonly number[]): boolean {
  if (euid === 0) return true;
  if (stat.uid === euid) return (stat.mode & 0o200) !== 0;
  if (groups.includes(stat.gid)) return (stat.mode & 0o020) !== 0;
  return (stat.mode & 0o002) !== 0;
}

/** The calling process's effective uid and groups, for {@link writableBy}. @internal */
export function callerIds(): { euid: number; groups: number[] } {
  const euid = process.geteuid?.() ?? 0;
  const groups = [process.getegid?.() ?? 0, ...(process.getgroups?.() ?? [])];
  return { euid, groups };
}
