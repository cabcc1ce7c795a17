// A CgroupFs for tests: injects errno failures on chosen operations and logs every call.
import { CgroupIoError } from "./errors.js";
import type { CgroupDirEntry, CgroupFs, CgroupStat } from "./fs.js";

/** The kinds of operation a {@link CgroupFs} performs; sync and async reads/writes share a kind. @public */
export type FsOp = "read" | "write" | "mkdir" | "rmdir" | "readdir" | "stat" | "chown";

/** One call made through a {@link FaultInjectingFs}. @public */
export interface FsLogEntry {
  /** The CgroupFs method called. */
  readonly op: FsOp;
  /** The path it was called on. */
  readonly path: string;
  /** The text of a write. */
  readonly data?: string;
  /** The errno name when the call was made to fail by a fault; absent when it went through to the wrapped fs. */
  readonly injected?: string;
}

/** Which calls a fault hits and how. @public */
export interface FaultSpec {
  /** The CgroupFs method to fail. */
  readonly op: FsOp;
  /**
   * A string matches a path equal to it or ending in `/` + it (`"devices.allow"` matches that
   * file in every group); a RegExp is tested against the whole path.
   */
  readonly path: string | RegExp;
  /** Errno name the call fails with, e.g. `"EBUSY"`. */
  readonly errno: string;
  /** Fail the nth matching call from now (1 = the next one). Default 1. */
  readonly nth?: number;
  /** How many matching calls fail from the nth on. Default 1; `Infinity` for every one. */
  readonly times?: number;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  /** Matching calls still to let through before failing. */
  skip: number;
  /** Failures still to inject. */
  left: number;
}

function matches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === "string") return path === pattern || path.endsWith(`/${pattern}`);
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between tests
  return pattern.test(path);
}

/**
 * Wraps another {@link CgroupFs}: every call is logged (op, path, write data), and faults
 * registered with {@link FaultInjectingFs.inject} make chosen calls throw
 * {@link CgroupIoError} with the given errno instead of reaching the wrapped fs.
 * An injected `ENOENT` on `stat` returns `undefined`, as the real fs does for a missing path.
 * @public
 */
export class FaultInjectingFs implements CgroupFs {
  private readonly faults: ActiveFault[] = [];
  private readonly entries: FsLogEntry[] = [];

  /** Forwarded to the wrapped fs (absent when it has none); not logged and not injectable (FsOp lists the other calls). */
  readonly statfs?: NonNullable<CgroupFs["statfs"]>;

  constructor(private readonly inner: CgroupFs) {
    // Set only when the wrapped fs has it, so the property is absent (not undefined) otherwise.
    if (inner.statfs) this.statfs = (path: string) => inner.statfs!(path);
  }

  /** Register a fault. Returns `this` for chaining. */
  inject(spec: FaultSpec): this {
    const nth = spec.nth ?? 1;
    const times = spec.times ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError(`FaultInjectingFs: nth must be a positive integer, got ${nth}`);
    if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) throw new RangeError(`FaultInjectingFs: times must be a positive integer or Infinity, got ${times}`);
    if (!/^E[A-Z0-9]+$/.test(spec.errno)) throw new RangeError(`FaultInjectingFs: errno must be a name such as EBUSY, got ${spec.errno}`);
    this.faults.push({ spec, skip: nth - 1, left: times });
    return this;
  }

  /** Make the next `op` on a matching path fail with `errno`. */
  failNext(op: FsOp, path: string | RegExp, errno: string): this {
    return this.inject({ op, path, errno });
  }

  /** Drop every fault not yet spent. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Faults registered but not yet spent. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  /** Every call so far, in order. */
  get log(): readonly FsLogEntry[] {
    return this.entries;
  }

  /** Calls of one kind, optionally only those on matching paths. */
  calls(op: FsOp, path?: string | RegExp): FsLogEntry[] {
    return this.entries.filter((e) => e.op === op && (path === undefined || matches(path, e.path)));
  }

  /** Writes that reached the wrapped fs (not failed by a fault). */
  get writes(): FsLogEntry[] {
    return this.entries.filter((e) => e.op === "write" && e.injected === undefined);
  }

  /** Forget the calls logged so far (the faults still pending stay). */
  clearLog(): void {
    this.entries.length = 0;
  }

  /** Log the call; throw the injected error if a fault hits it. */
  private enter(op: FsOp, path: string, data?: string): void {
    let injected: string | undefined;
    for (let i = 0; i < this.faults.length; i++) {
      const fault = this.faults[i] as ActiveFault;
      if (fault.spec.op !== op || !matches(fault.spec.path, path)) continue;
      if (fault.skip > 0) {
        fault.skip--;
        continue;
      }
      injected = fault.spec.errno;
      if (--fault.left === 0) this.faults.splice(i, 1);
      break;
    }
    const entry: FsLogEntry = { op, path, ...(data === undefined ? {} : { data }), ...(injected === undefined ? {} : { injected }) };
    this.entries.push(entry);
    if (injected !== undefined) throw new CgroupIoError(op, path, injected, data);
  }

  async readFile(path: string): Promise<string> {
    this.enter("read", path);
    return this.inner.readFile(path);
  }

  readFileSync(path: string): string {
    this.enter("read", path);
    return this.inner.readFileSync(path);
  }

  async writeFile(path: string, data: string): Promise<void> {
    this.enter("write", path, data);
    return this.inner.writeFile(path, data);
  }

  writeFileSync(path: string, data: string): void {
    this.enter("write", path, data);
    this.inner.writeFileSync(path, data);
  }

  async mkdir(path: string): Promise<void> {
    this.enter("mkdir", path);
    return this.inner.mkdir(path);
  }

  async rmdir(path: string): Promise<void> {
    this.enter("rmdir", path);
    return this.inner.rmdir(path);
  }

  async readdir(path: string): Promise<CgroupDirEntry[]> {
    this.enter("readdir", path);
    return this.inner.readdir(path);
  }

  async stat(path: string): Promise<CgroupStat | undefined> {
    try {
      this.enter("stat", path);
    } catch (err) {
      if (err instanceof CgroupIoError && err.errno === "ENOENT") return undefined;
      throw err;
    }
    return this.inner.stat(path);
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    this.enter("chown", path);
    return this.inner.chown(path, uid, gid);
  }
}
