// Typed errors of the eBPF device-filter layer.
import { CgroupError } from "../../runtime/errors.js";

/** Names of the bpf(2) commands this package issues. @public */
export type BpfCommandName =
  | "BPF_PROG_LOAD"
  | "BPF_PROG_ATTACH"
  | "BPF_PROG_DETACH"
  | "BPF_PROG_GET_FD_BY_ID"
  | "BPF_OBJ_GET_INFO_BY_FD"
  | "BPF_PROG_QUERY";

const HINTS: Record<string, string> = {
  EPERM: "needs CAP_SYS_ADMIN (or CAP_BPF), or the group has a program attached without BPF_F_ALLOW_MULTI",
  EACCES: "the verifier refused the program",
  EINVAL: "the kernel refused the request (unsupported flag, attach type or attribute)",
  ENOSYS: "the kernel has no bpf(2) syscall (built without CONFIG_BPF_SYSCALL)",
  E2BIG: "the program is too large, or the kernel does not know a field of the request",
  ENOSPC: "the verifier log did not fit its buffer",
  ENOENT: "no such program (it was detached or freed meanwhile)",
  EBADF: "a file descriptor was not valid",
  ENOTSUPP: "not supported by this kernel",
};

/**
 * A bpf(2) call failed. `code` (and `errno`) is the errno name; `command` the bpf command;
 * `verifierLog` the verifier's output when a program load was refused.
 * @public
 */
export class BpfError extends CgroupError {
  /** The bpf(2) command that failed (`BPF_PROG_LOAD`...). */
  readonly command: BpfCommandName;
  /** The errno name, also in `code`. */
  readonly errno: string;
  /** The target: a cgroup directory or a program id, when the call had one. */
  readonly target: string | undefined;
  /** The verifier's log, for a refused load. */
  readonly verifierLog: string | undefined;
  constructor(command: BpfCommandName, errno: string, options: { target?: string; verifierLog?: string; detail?: string } = {}) {
    const where = options.target ? ` on ${options.target}` : "";
    const hint = HINTS[errno] ? ` (${HINTS[errno]})` : "";
    const detail = options.detail ? `: ${options.detail}` : "";
    const log = options.verifierLog?.trim() ? `\nverifier log (last lines):\n${options.verifierLog.trim().split("\n").slice(-12).join("\n")}` : "";
    super(errno, `bpf(${command})${where} failed: ${errno}${hint}${detail}${log}`);
    this.command = command;
    this.errno = errno;
    this.target = options.target;
    this.verifierLog = options.verifierLog;
  }
}

