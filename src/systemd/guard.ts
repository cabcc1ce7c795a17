// The single-writer rule as code. systemd owns every cgroup it created; with Delegate=yes it hands a
// scope's subtree to us, and of the scope's own files only the delegation files (cgroup.procs and
// cgroup.subtree_control: CGROUP_DELEGATION.md) are ours to write. Every filesystem call of the systemd
// driver goes through this guard, so a bug that would write a resource file of systemd's cgroup (or
// anything outside the scope) is refused before the write, and tests can count what was written.
import { UnsupportedError } from "../runtime/errors.js";
import type { CgroupDirEntry, CgroupFs, CgroupStat } from "../runtime/fs.js";

/** The scope's own files cgroupkit may write (the rest of the scope's files are systemd's). @internal */
export const SCOPE_DELEGATION_FILES: readonly string[] = ["cgroup.procs", "cgroup.subtree_control"];

/** A write the single-writer rule forbids. @internal */
export class SingleWriterError extends UnsupportedError {
  readonly path: string;
  constructor(op: string, path: string, scopeDir: string) {
    super(`${op} ${path}: refused by the single-writer rule: systemd owns ${scopeDir}; cgroupkit writes only ${SCOPE_DELEGATION_FILES.map((f) => `${scopeDir}/${f}`).join(", ")} and inside the scope's sub-groups`);
    this.path = path;
  }
}

/** Which writes the guard allows under `scopeDir`. @internal */
export function writeAllowed(scopeDir: string, path: string, op: "write" | "mkdir" | "rmdir" | "chown"): boolean {
  if (!path.startsWith(`${scopeDir}/`)) return false;
  const rest = path.slice(scopeDir.length + 1);
  if (rest === "" || rest.split("/").some((c) => c === "" || c === "." || c === "..")) return false;
  const below = rest.includes("/");
  if (op === "write") return below || SCOPE_DELEGATION_FILES.includes(rest);
  // A directory directly under the scope is a sub-group of ours; the scope itself is systemd's to remove.
  return true;
}

/** A CgroupFs that reads anything and writes only where `writeAllowed` says. @public */
export class ScopeWriteGuard implements CgroupFs {
  /** Every write, mkdir and rmdir that passed, in order. */
  readonly log: Array<{
    /** `write`, `mkdir`, `rmdir` or `chown`. */
    op: string;
    /** The path it was on. */
    path: string;
    /** What a write sent. */
    data?: string;
  }> = [];

  constructor(
    private readonly inner: CgroupFs,
    /** The scope's cgroup2 directory: writes stay inside it. */
    readonly scopeDir: string,
  ) {}

  private check(op: "write" | "mkdir" | "rmdir" | "chown", path: string, data?: string): void {
    if (!writeAllowed(this.scopeDir, path, op)) throw new SingleWriterError(op, path, this.scopeDir);
    this.log.push({ op, path, ...(data !== undefined ? { data } : {}) });
  }

  readFile(path: string): Promise<string> {
    return this.inner.readFile(path);
  }
  readFileSync(path: string): string {
    return this.inner.readFileSync(path);
  }
  async writeFile(path: string, data: string): Promise<void> {
    this.check("write", path, data);
    return this.inner.writeFile(path, data);
  }
  writeFileSync(path: string, data: string): void {
    this.check("write", path, data);
    this.inner.writeFileSync(path, data);
  }
  async mkdir(path: string): Promise<void> {
    this.check("mkdir", path);
    return this.inner.mkdir(path);
  }
  async rmdir(path: string): Promise<void> {
    this.check("rmdir", path);
    return this.inner.rmdir(path);
  }
  readdir(path: string): Promise<CgroupDirEntry[]> {
    return this.inner.readdir(path);
  }
  stat(path: string): Promise<CgroupStat | undefined> {
    return this.inner.stat(path);
  }
  async chown(path: string, uid: number, gid: number): Promise<void> {
    this.check("chown", path);
    return this.inner.chown(path, uid, gid);
  }
}
