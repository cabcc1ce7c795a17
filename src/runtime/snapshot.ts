// Snapshots at the syscall floor: a fixed set of groups × control files, opened once and re-read
// with pread at offset 0. cgroupfs regenerates a seq file on every read from offset 0, so one
// pread(2) per file is a fresh value: no open, fstat or close per read.
import { isAscii } from "node:buffer";
import * as nodeFs from "node:fs";
import { performance } from "node:perf_hooks";
import type { ReadableFile } from "./accessor.js";
import { CgroupError, CgroupIoError } from "./errors.js";
import { NodeCgroupFs, ioError, type CgroupFs } from "./fs.js";
import { decodeControlText } from "./text.js";

/** The files of one group a snapshot reads, by the key its values are reported under; `undefined`: not available to this group. @public */
export type SnapshotFiles = Readonly<Record<string, ReadableFile<unknown> | undefined>>;

/** Parsed values by key; a key is absent when its file is missing, gone or failed. @public */
export type SnapshotValues<F extends SnapshotFiles> = { readonly [K in keyof F]?: F[K] extends ReadableFile<infer R> | undefined ? R : never };

/** One group in one refresh. @public */
export interface SnapshotGroup<G, F extends SnapshotFiles> {
  /** The group as it was given to openSnapshot. */
  readonly group: G;
  /**
   * The group is gone (its directory was removed: ENOENT, ENODEV or ESRCH). Its files are closed
   * and it stays gone in later refreshes; `values` is empty.
   */
  readonly gone: boolean;
  /** Each file's parsed value by key; a missing or failed file has none. */
  readonly values: SnapshotValues<F>;
  /** Keys whose file this group does not have (no hierarchy for it, or the kernel does not show it). */
  readonly missing: ReadonlyArray<keyof F & string>;
  /** Keys whose file failed to read or parse, with the error; the other files are still read. */
  readonly errors: Readonly<Partial<Record<keyof F & string, CgroupError>>>;
}

/** What one refresh cost. @public */
export interface SnapshotCost {
  /** Files read (one pread each on the real cgroupfs). */
  readonly files: number;
  /** Bytes the kernel returned. */
  readonly bytes: number;
  /** Wall time of the refresh (reads and parses), in microseconds. */
  readonly micros: number;
  /** Groups found gone in this refresh. */
  readonly gone: number;
}

/** One refresh: every group, in the order given. @public */
export interface SnapshotReading<G, F extends SnapshotFiles> {
  /** Each group's values. */
  readonly groups: ReadonlyArray<SnapshotGroup<G, F>>;
  /** What the refresh cost. */
  readonly cost: SnapshotCost;
}

/**
 * An open snapshot: refresh as often as needed, then close (or `using snap = await openSnapshot(…)`).
 * @public
 */
export interface Snapshot<G, F extends SnapshotFiles> {
  /** The groups, in the order given. */
  readonly groups: readonly G[];
  /** Read every file once more and parse it with its spec codec. */
  refresh(): Promise<SnapshotReading<G, F>>;
  /** Cost of the last refresh (undefined before the first). */
  readonly lastCost: SnapshotCost | undefined;
  /** Close every file; refresh afterwards is an error. Idempotent. */
  close(): void;
  /** {@link Snapshot.close}, for `using`. */
  [Symbol.dispose](): void;
}

/** Errors by which a file says its group was removed: the directory (ENOENT) or the open file's cgroup (ENODEV, ESRCH). */
const GROUP_GONE = new Set(["ENOENT", "ENODEV", "ESRCH"]);
/** Errors by which a file says the kernel does not offer it here: left out, like a file the kernel does not show. */
const NOT_OFFERED = new Set(["EOPNOTSUPP"]);

interface Slot {
  readonly key: string;
  /** Undefined: the group has no such file (state "missing"). */
  readonly file: ReadableFile<unknown> | undefined;
  /** Open descriptor on the real cgroupfs; -1 when reading through a CgroupFs. */
  fd: number;
  /** Set at open or on a later read: the key's fixed outcome (no further reads). */
  state: "read" | "missing" | { error: CgroupError };
}

interface GroupSlots<G> {
  readonly group: G;
  readonly slots: Slot[];
  gone: boolean;
}

// libuv opens every file O_CLOEXEC.
const { O_RDONLY, O_NOFOLLOW } = nodeFs.constants;

function closeSlots(g: GroupSlots<unknown>): void {
  for (const s of g.slots) {
    if (s.fd >= 0) {
      try {
        nodeFs.closeSync(s.fd);
      } catch {
        // the descriptor is ours and open: close cannot fail in a way that matters here
      }
      s.fd = -1;
    }
  }
}

/** Whether a file's group directory still exists (so an ENOENT is the file's, not the group's). */
async function dirExists(fs: CgroupFs, dir: string): Promise<boolean> {
  const stat = await fs.stat(dir);
  return stat !== undefined && stat.isDirectory;
}

/**
 * Open a snapshot of `files(group)` for every group: a stable set of groups × control files, read
 * together on each {@link Snapshot.refresh} and parsed by each file's spec codec. On the real
 * cgroupfs ({@link NodeCgroupFs}) every file stays open (one descriptor each) and a refresh costs one
 * pread(2) per file; through another {@link CgroupFs} (a fake, fault injection), or with `keepOpen: false`,
 * each refresh reads each file by path.
 *
 * Groups may come and go: a group whose directory is removed is reported `gone` (not an error of the
 * snapshot) and its files are closed. A file the group does not have is `missing`; a file that fails
 * is in `errors` and the rest are still read.
 * @public
 */
export async function openSnapshot<G, F extends SnapshotFiles>(
  groups: readonly G[],
  files: (group: G) => F,
  options: {
    readonly fs?: CgroupFs;
    /**
     * Keep every file open between refreshes (default true: one pread per file per refresh, and one
     * descriptor per file for the snapshot's life). `false`: each refresh opens, reads and closes each
     * file, holding no descriptor in between (a one-shot read, or more files than the process may open).
     */
    readonly keepOpen?: boolean;
  } = {},
): Promise<Snapshot<G, F>> {
  const table: Array<GroupSlots<G>> = [];
  let closed = false;
  try {
    for (const group of groups) {
      const selected = files(group);
      const slots: Slot[] = [];
      const entry: GroupSlots<G> = { group, slots, gone: false };
      table.push(entry);
      for (const [key, file] of Object.entries(selected)) {
        if (file === undefined) {
          slots.push({ key, file: undefined, fd: -1, state: "missing" });
          continue;
        }
        const fs = options.fs ?? file.filesystem;
        const slot: Slot = { key, file, fd: -1, state: "read" };
        slots.push(slot);
        if (!(fs instanceof NodeCgroupFs) || entry.gone || options.keepOpen === false) continue;
        try {
          slot.fd = nodeFs.openSync(file.path, O_RDONLY | O_NOFOLLOW);
        } catch (err) {
          const error = ioError("open", file.path, err);
          if (error.errno === "ENOENT") {
            if (await dirExists(fs, file.dir)) slot.state = "missing";
            else entry.gone = true;
          } else slot.state = { error };
        }
      }
      if (entry.gone) closeSlots(entry);
    }
  } catch (err) {
    for (const g of table) closeSlots(g);
    throw err;
  }

  let buffer = Buffer.allocUnsafe(16 * 1024);
  let lastCost: SnapshotCost | undefined;

  /** One pread at offset 0; a file that fills the buffer is read again with a larger one. */
  const pread = (fd: number): number => {
    for (;;) {
      const n = nodeFs.readSync(fd, buffer, 0, buffer.length, 0);
      if (n < buffer.length) return n;
      buffer = Buffer.allocUnsafe(buffer.length * 4);
    }
  };
  const decode = (n: number): string => {
    const view = buffer.subarray(0, n);
    // ASCII, all the kernel prints, decodes fastest as latin1; anything else as NodeCgroupFs reads it.
    return isAscii(view) ? view.toString("latin1") : decodeControlText(view);
  };

  const refresh = async (): Promise<SnapshotReading<G, F>> => {
    if (closed) throw new CgroupError("ERR_CLOSED", "snapshot: refresh after close");
    const start = performance.now();
    let filesRead = 0;
    let bytes = 0;
    let goneNow = 0;
    const out: Array<SnapshotGroup<G, F>> = [];
    for (const g of table) {
      const values: Record<string, unknown> = {};
      const missing: string[] = [];
      const errors: Record<string, CgroupError> = {};
      if (!g.gone) {
        for (const s of g.slots) {
          if (s.state === "missing" || s.file === undefined) {
            missing.push(s.key);
            continue;
          }
          if (s.state !== "read") {
            errors[s.key] = s.state.error;
            continue;
          }
          const file = s.file;
          let text: string;
          try {
            if (s.fd >= 0) {
              const n = pread(s.fd);
              text = decode(n);
              bytes += n;
            } else {
              text = (options.fs ?? file.filesystem).readFileSync(file.path);
              bytes += text.length;
            }
            filesRead++;
          } catch (err) {
            const error = err instanceof CgroupIoError ? err : ioError("read", file.path, err);
            if (GROUP_GONE.has(error.errno) && (s.fd >= 0 || !(await dirExists(options.fs ?? file.filesystem, file.dir)))) {
              g.gone = true;
              break;
            }
            if (NOT_OFFERED.has(error.errno) || error.errno === "ENOENT") {
              s.state = "missing";
              missing.push(s.key);
            } else errors[s.key] = error;
            continue;
          }
          try {
            values[s.key] = file.parse(text);
          } catch (err) {
            if (!(err instanceof CgroupError)) throw err;
            errors[s.key] = err;
          }
        }
        if (g.gone) {
          closeSlots(g);
          goneNow++;
        }
      }
      out.push({ group: g.group, gone: g.gone, values: g.gone ? {} : values, missing: g.gone ? [] : missing, errors: g.gone ? {} : errors } as unknown as SnapshotGroup<G, F>);
    }
    lastCost = { files: filesRead, bytes, micros: Math.round((performance.now() - start) * 1000), gone: goneNow };
    return { groups: out, cost: lastCost };
  };

  const close = () => {
    if (closed) return;
    closed = true;
    for (const g of table) closeSlots(g);
  };
  return {
    groups,
    refresh,
    get lastCost() {
      return lastCost;
    },
    close,
    [Symbol.dispose]: close,
  };
}
