// An in-memory host made from a mountinfo fixture (test/fixtures/mountinfo/<name>): the proc files,
// every mount point and the process's own groups as directories, plus any files a test adds.
// Read-only: a write, mkdir, rmdir or chown is logged and refused, so "changes nothing" is checkable.
import * as fs from "node:fs";
import * as path from "node:path";
import { discoverHierarchies } from "../../src/cgroup/mounts.js";
import { CgroupIoError } from "../../src/runtime/errors.js";
import type { CgroupDirEntry, CgroupFs, CgroupStat } from "../../src/runtime/fs.js";

export const MOUNTINFO_FIXTURES = path.resolve(import.meta.dirname, "../fixtures/mountinfo");

export class FixtureFs implements CgroupFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(["/"]);
  readonly changes: string[] = [];

  constructor(fixture: string, extra: Readonly<Record<string, string>> = {}) {
    const dir = path.join(MOUNTINFO_FIXTURES, fixture);
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined);
    const mountinfo = read("mountinfo") ?? "";
    const procCgroup = read("cgroup") ?? "";
    this.add("/proc/self/mountinfo", mountinfo);
    this.add("/proc/self/cgroup", procCgroup);
    const layout = discoverHierarchies({ mountinfo, procCgroup });
    for (const h of layout.hierarchies) {
      for (const m of h.mounts) this.addDir(m.mountPoint);
      if (h.version === "v2" && h.mountPoint !== undefined) this.add(`${h.mountPoint}/cgroup.controllers`, read("cgroup.controllers") ?? "");
    }
    for (const [file, text] of Object.entries(extra)) this.add(file, text);
  }

  add(file: string, text: string): void {
    this.files.set(file, text);
    this.addDir(path.posix.dirname(file));
  }

  addDir(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = path.posix.dirname(d)) this.dirs.add(d);
  }

  readFileSync(p: string): string {
    const text = this.files.get(p);
    if (text === undefined) throw new CgroupIoError("read", p, this.dirs.has(p) ? "EISDIR" : "ENOENT");
    return text;
  }
  async readFile(p: string): Promise<string> {
    return this.readFileSync(p);
  }
  writeFileSync(p: string, data: string): void {
    this.changes.push(`write ${p} ${data}`);
    throw new CgroupIoError("write", p, "EROFS", data);
  }
  async writeFile(p: string, data: string): Promise<void> {
    this.writeFileSync(p, data);
  }
  async mkdir(p: string): Promise<void> {
    this.changes.push(`mkdir ${p}`);
    throw new CgroupIoError("mkdir", p, "EROFS");
  }
  async rmdir(p: string): Promise<void> {
    this.changes.push(`rmdir ${p}`);
    throw new CgroupIoError("rmdir", p, "EROFS");
  }
  async chown(p: string): Promise<void> {
    this.changes.push(`chown ${p}`);
    throw new CgroupIoError("chown", p, "EROFS");
  }
  async readdir(p: string): Promise<CgroupDirEntry[]> {
    if (!this.dirs.has(p)) throw new CgroupIoError("readdir", p, "ENOENT");
    const prefix = p === "/" ? "/" : `${p}/`;
    const names = new Map<string, boolean>();
    for (const d of this.dirs) if (d.startsWith(prefix) && d !== p && !d.slice(prefix.length).includes("/")) names.set(d.slice(prefix.length), true);
    for (const f of this.files.keys()) if (f.startsWith(prefix) && !f.slice(prefix.length).includes("/")) names.set(f.slice(prefix.length), false);
    return [...names].map(([name, isDirectory]) => ({ name, isDirectory }));
  }
  async stat(p: string): Promise<CgroupStat | undefined> {
    if (this.dirs.has(p)) return { isDirectory: true, isSymbolicLink: false, mode: 0o755, uid: 0, gid: 0 };
    if (this.files.has(p)) return { isDirectory: false, isSymbolicLink: false, mode: 0o644, uid: 0, gid: 0 };
    return undefined;
  }
}
