// The one interface through which cgroupkit touches cgroupfs.
import * as nodeFs from "node:fs";
import * as fsp from "node:fs/promises";
import { CgroupIoError } from "./errors.js";
import { decodeControlText } from "./text.js";

/** A directory entry of a cgroup directory. @public */
export interface CgroupDirEntry {
  /** The entry's name, without the directory. */
  readonly name: string;
  /** A directory (a child group), not a control file. */
  readonly isDirectory: boolean;
}

/** File status as cgroupkit needs it. @public */
export interface CgroupStat {
  /** A directory (a cgroup), as lstat sees it. */
  readonly isDirectory: boolean;
  /** A symbolic link: never followed, so a group path cannot be redirected. */
  readonly isSymbolicLink: boolean;
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Owner user id (delegation chowns a group to its user). */
  readonly uid: number;
  /** Owner group id. */
  readonly gid: number;
}

/**
 * Reads and writes cgroupfs. A write is exactly one `write(2)` on a file opened
 * `O_WRONLY` (never created, never truncated): the kernel parses each write on its own.
 * Failures are {@link CgroupIoError} with the errno name.
 * @public
 */
export interface CgroupFs {
  /** The whole file as the kernel printed it. */
  readFile(path: string): Promise<string>;
  /** {@link CgroupFs.readFile}, synchronously. */
  readFileSync(path: string): string;
  /** One `write(2)` of `data` to an existing file (never created, never truncated). */
  writeFile(path: string, data: string): Promise<void>;
  /** {@link CgroupFs.writeFile}, synchronously. */
  writeFileSync(path: string, data: string): void;
  /** Create one group directory (the kernel fills in its control files). */
  mkdir(path: string): Promise<void>;
  /** Remove one empty group directory (its control files go with it). */
  rmdir(path: string): Promise<void>;
  /** The entries of a group directory: its control files and child groups. */
  readdir(path: string): Promise<CgroupDirEntry[]>;
  /** lstat; `undefined` when the path does not exist. */
  stat(path: string): Promise<CgroupStat | undefined>;
  /** lchown: hand a file or group to a user (delegation); links are not followed. */
  chown(path: string, uid: number, gid: number): Promise<void>;
  /**
   * The filesystem type (`statfs(2)` f_type) of the filesystem holding `path`. Optional: where a filesystem
   * lacks it, a tree walk that deletes (`Cgroup.remove`) cannot tell cgroupfs from a directory bind-mounted into it.
   */
  statfs?(path: string): Promise<{
    /** `f_type`: the filesystem's magic number (cgroup2: 0x63677270). */
    readonly type: number;
  }>;
}

/**
 * The bytes of a text to write: UTF-8, the way reads decode valid UTF-8 (see text.ts), so a value read and
 * written back (a restore) is the same bytes; ASCII, all the kernel prints, is the same either way. (A read that
 * is not valid UTF-8 falls back to latin1; only such a text would not round-trip, and the kernel writes none.)
 */
function encodeText(data: string): Buffer {
  return Buffer.from(data, "utf8");
}

/** A node:fs failure as the {@link CgroupIoError} cgroupkit reports. @internal */
export function ioError(op: string, path: string, err: unknown, value?: string): CgroupIoError {
  const raw = (err as NodeJS.ErrnoException | undefined)?.code ?? "EIO";
  // Linux has one errno 95; libuv names it ENOTSUP, the kernel's cgroup docs EOPNOTSUPP.
  const code = raw === "ENOTSUP" ? "EOPNOTSUPP" : raw;
  return new CgroupIoError(op, path, code, value, err);
}

const { O_WRONLY, O_NOFOLLOW } = nodeFs.constants;


/** The real cgroupfs, through node:fs. @public */
export class NodeCgroupFs implements CgroupFs {
  /**
   * Reads are served synchronously: a cgroupfs read is the kernel formatting memory it holds and never waits
   * on a disk, so the thread-pool round trips of an async read (open, fstat, read, close) would cost far more
   * than the read (5-10x on a usage snapshot of 1000 groups). Writes stay asynchronous: one can trigger reclaim.
   */
  async readFile(path: string): Promise<string> {
    return this.readFileSync(path);
  }

  /** {@inheritDoc CgroupFs.readFileSync} */
  readFileSync(path: string): string {
    try {
      // Node has a one-call native path for utf8 only, and the kernel prints ASCII: only a text with U+FFFD
      // (invalid bytes replaced, or a valid U+FFFD) is read again as bytes, to decode them as they are.
      const text = nodeFs.readFileSync(path, "utf8");
      return text.includes("\uFFFD") ? decodeControlText(nodeFs.readFileSync(path)) : text;
    } catch (err) {
      throw ioError("read", path, err);
    }
  }

  /** {@inheritDoc CgroupFs.writeFile} */
  async writeFile(path: string, data: string): Promise<void> {
    const bytes = encodeText(data);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, O_WRONLY | O_NOFOLLOW);
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length, null);
      if (bytesWritten !== bytes.length) throw Object.assign(new Error("short write"), { code: "EIO" });
    } catch (err) {
      throw ioError("write", path, err, data);
    } finally {
      await handle?.close();
    }
  }

  /** {@inheritDoc CgroupFs.writeFileSync} */
  writeFileSync(path: string, data: string): void {
    const bytes = encodeText(data);
    let fd: number | undefined;
    try {
      fd = nodeFs.openSync(path, O_WRONLY | O_NOFOLLOW);
      const written = nodeFs.writeSync(fd, bytes, 0, bytes.length, null);
      if (written !== bytes.length) throw Object.assign(new Error("short write"), { code: "EIO" });
    } catch (err) {
      throw ioError("write", path, err, data);
    } finally {
      if (fd !== undefined) nodeFs.closeSync(fd);
    }
  }

  /** {@inheritDoc CgroupFs.mkdir} */
  async mkdir(path: string): Promise<void> {
    try {
      await fsp.mkdir(path);
    } catch (err) {
      throw ioError("mkdir", path, err);
    }
  }

  /** {@inheritDoc CgroupFs.rmdir} */
  async rmdir(path: string): Promise<void> {
    try {
      await fsp.rmdir(path);
    } catch (err) {
      throw ioError("rmdir", path, err);
    }
  }

  // Served synchronously, as reads are: a cgroupfs lookup or listing is kernfs walking memory it holds
  // (never a disk), far cheaper than the thread-pool round trip of fs.promises (name resolution and
  // removal make one per path level and per directory).
  /** {@inheritDoc CgroupFs.readdir} */
  async readdir(path: string): Promise<CgroupDirEntry[]> {
    try {
      const entries = nodeFs.readdirSync(path, { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    } catch (err) {
      throw ioError("readdir", path, err);
    }
  }

  /** {@inheritDoc CgroupFs.stat} */
  async stat(path: string): Promise<CgroupStat | undefined> {
    // throwIfNoEntry: false spares building an exception for the common "not there" answer.
    let s: nodeFs.Stats | undefined;
    try {
      s = nodeFs.lstatSync(path, { throwIfNoEntry: false });
    } catch (err) {
      throw ioError("stat", path, err);
    }
    if (s === undefined) return undefined;
    return { isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
  }

  /** {@inheritDoc CgroupFs.chown} */
  async chown(path: string, uid: number, gid: number): Promise<void> {
    try {
      await fsp.lchown(path, uid, gid);
    } catch (err) {
      throw ioError("chown", path, err);
    }
  }

  async statfs(path: string): Promise<{
    /** `f_type`: the filesystem's magic number. */
    readonly type: number;
  }> {
    try {
      return { type: (await fsp.statfs(path)).type };
    } catch (err) {
      throw ioError("statfs", path, err);
    }
  }
}

/** The process-wide default filesystem. @public */
export const nodeCgroupFs: CgroupFs = new NodeCgroupFs();
