// Typed errors: every failure names the file, the value and why.

/** Base of every error cgroupkit throws. @public */
export class CgroupError extends Error {
  /** Stable machine-readable code: an errno name (`EBUSY`) or an `ERR_*` code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value was refused before any syscall: out of range, malformed, not one line. @public */
export class InvalidValueError extends CgroupError {
  /** The control file (or option) the value was meant for; undefined for a bare value. */
  readonly file: string | undefined;
  /** The refused value, as given. */
  readonly value: unknown;
  /** Why it was refused, in words. */
  readonly reason: string;
  constructor(file: string | undefined, value: unknown, reason: string) {
    super("ERR_INVALID_VALUE", `${file ?? "value"}: invalid value ${showValue(value)}: ${reason}`);
    this.file = file;
    this.value = value;
    this.reason = reason;
  }
}

/** Text read from the kernel did not match the file's format. @public */
export class ParseError extends CgroupError {
  /** The control file the text came from; undefined for bare text. */
  readonly file: string | undefined;
  /** The text that did not parse. */
  readonly text: string;
  /** What was expected, in words. */
  readonly reason: string;
  constructor(file: string | undefined, text: string, reason: string) {
    super("ERR_PARSE", `${file ?? "value"}: cannot parse ${showValue(text)}: ${reason}`);
    this.file = file;
    this.text = text;
    this.reason = reason;
  }
}

/** A group name or path that could escape its hierarchy or is not a valid cgroup name. @public */
export class InvalidNameError extends CgroupError {
  /** The refused name or path. */
  readonly group: string;
  /** Why it was refused, in words. */
  readonly reason: string;
  constructor(group: string, reason: string) {
    super("ERR_INVALID_NAME", `invalid cgroup name ${showValue(group)}: ${reason}`);
    this.group = group;
    this.reason = reason;
  }
}

/** A syscall on cgroupfs failed; `code` is the errno name. @public */
export class CgroupIoError extends CgroupError {
  /** The operation that failed (`write`, `read`, `mkdir`, `rmdir`...). */
  readonly op: string;
  /** The file or directory it ran on. */
  readonly path: string;
  /** The errno name (`EBUSY`), also in `code`. */
  readonly errno: string;
  /** The text written, for a failed write. */
  readonly value: string | undefined;
  constructor(op: string, path: string, errno: string, value?: string, cause?: unknown) {
    const what = value === undefined ? "" : ` value ${showValue(value)}`;
    super(errno, `${op} ${path}${what}: ${errno}${ERRNO_HINT[errno] ? ` (${ERRNO_HINT[errno]})` : ""}`, { cause });
    this.op = op;
    this.path = path;
    this.errno = errno;
    this.value = value;
  }
}

/** The running kernel or host lacks what was asked for (a controller, a file, a syscall). @public */
export class UnsupportedError extends CgroupError {
  constructor(message: string) {
    super("ERR_UNSUPPORTED", message);
  }
}

const ERRNO_HINT: Record<string, string> = {
  EBUSY: "in use: live processes, children, or an internal-process conflict",
  EINVAL: "the kernel refused the value",
  ENOENT: "no such file or group",
  EPERM: "not permitted",
  EACCES: "permission denied",
  ENOSPC: "no space: a limit such as cgroup.max.descendants or cpuset is exhausted",
  EOPNOTSUPP: "not supported by this group or kernel",
  ENOTEMPTY: "group still has children",
  EEXIST: "already exists",
  ESRCH: "no such process",
};

/** Quote a value for a message, short and on one line. @public */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === "bigint") text = `${value}n`;
  else if (typeof value === "string") text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
