// Base classes the generated accessors bind to: a path, a codec and spec metadata.
import { assertOneLine, type Codec } from "./codec.js";
import { InvalidValueError } from "./errors.js";
import { checkKernelBounds } from "./kernel-bounds.js";
import type { CgroupFs } from "./fs.js";

/** Where a control file exists. @public */
export type FileWhere = "root" | "non-root" | "all";
/** Access as the spec and the file's mode bits say. @public */
export type FileAccess = "ro" | "rw" | "wo";

/** Spec metadata of one control file. @public */
export interface FileMeta {
  /** File name, or its template (`hugetlb.<size>.max`). */
  readonly file: string;
  /** The cgroup version whose hierarchy holds the file. */
  readonly version: "v1" | "v2";
  /** Controller name (`core` for the cgroup.* files). */
  readonly controller: string;
  /** Read-only, read-write or write-only. */
  readonly access: FileAccess;
  /** Which groups have the file: the root, every other group, or all. */
  readonly where: FileWhere;
  /** Name of the codec that parses and formats it (a name from the runtime's codec table, as {@link ManifestRecord.codec}). */
  readonly codec: string;
  /** Unit of its numbers (`bytes`, `usec`...), where the spec names one. */
  readonly unit?: string;
  /** Kernel version the file appeared in, where known. */
  readonly kernel?: string;
}

/** One control file of one cgroup directory. @public */
export abstract class ControlFile {
  constructor(
    /** The cgroup directory. */
    readonly dir: string,
    /** The file name on disk (template parameters filled in). */
    readonly name: string,
    /** What the spec says about the file. */
    readonly meta: FileMeta,
    /** The filesystem seam every read and write goes through (a fake one in tests). */
    protected readonly fs: CgroupFs,
  ) {}

  /** The filesystem this file is read and written through. */
  get filesystem(): CgroupFs {
    return this.fs;
  }

  /** Absolute path of the file. */
  get path(): string {
    return `${this.dir}/${this.name}`;
  }

  /** Whether the running kernel shows this file in this group. */
  async exists(): Promise<boolean> {
    return (await this.fs.stat(this.path)) !== undefined;
  }
}

/** A control file that can be read. @public */
export class ReadableFile<R> extends ControlFile {
  constructor(
    dir: string,
    name: string,
    meta: FileMeta,
    fs: CgroupFs,
    /** Parses the kernel's text into `R`. */
    protected readonly readCodec: Codec<R, never>,
  ) {
    super(dir, name, meta, fs);
  }

  /** The file's text as the kernel printed it. */
  readRaw(): Promise<string> {
    return this.fs.readFile(this.path);
  }

  /** {@link ReadableFile.readRaw}, synchronously. */
  readRawSync(): string {
    return this.fs.readFileSync(this.path);
  }

  /** Parse text as this file's codec does (what {@link ReadableFile.read} does after reading). */
  parse(text: string): R {
    return this.readCodec.parse(text, this.name);
  }

  /** Read and parse. */
  async read(): Promise<R> {
    return this.readCodec.parse(await this.fs.readFile(this.path), this.name);
  }

  /** {@link ReadableFile.read}, synchronously. */
  readSync(): R {
    return this.readCodec.parse(this.fs.readFileSync(this.path), this.name);
  }
}

/** A read-only control file. @public */
export class ReadOnlyFile<R> extends ReadableFile<R> {}

/** A control file that can be read and written. @public */
export class ReadWriteFile<R, W = R> extends ReadableFile<R> {
  constructor(
    dir: string,
    name: string,
    meta: FileMeta,
    fs: CgroupFs,
    readCodec: Codec<R, never>,
    /** Validates and formats a `W` into the text the kernel accepts. */
    protected readonly writeCodec: Codec<unknown, W>,
  ) {
    super(dir, name, meta, fs, readCodec);
  }

  /** Validate, format and write with one `write(2)`. Invalid values never reach the kernel. */
  async write(value: W): Promise<void> {
    await this.fs.writeFile(this.path, this.format(value));
  }

  /** `write`, synchronously. */
  writeSync(value: W): void {
    this.fs.writeFileSync(this.path, this.format(value));
  }

  /** The text a write of `value` would send; throws {@link InvalidValueError} without touching the kernel. */
  format(value: W): string {
    return formatForWrite(this.writeCodec, value, this.name, this.meta);
  }

  /** Write text as the kernel printed it (from {@link ReadableFile.readRaw}), to restore an earlier value. One line only. */
  async writeRaw(text: string): Promise<void> {
    await this.fs.writeFile(this.path, assertOneLine(text.replace(/\n$/, ""), this.name, text));
  }

  /**
   * The writes (one `write(2)` each, in order) that put the file back to what `printed` (an earlier
   * {@link ReadableFile.readRaw}) says. What a file prints is not always what it accepts: a keyed file
   * prints every key and takes one per write, `memory.oom_control` prints three counters and takes a
   * boolean. So the text is parsed with the read codec and formatted with the write codec.
   * @throws {@link InvalidValueError} when the write form cannot say it: a write that acts rather than sets
   * (`cgroup.procs` moves a process, `*.failcnt` only resets), or a value outside what the file accepts.
   */
  restoreTexts(printed: string): string[] {
    const value: unknown = this.readCodec.parse(printed, this.name);
    const cannot = (why: string) => new InvalidValueError(this.name, printed.trim(), `cannot be written back: ${why}`);
    const writeCodec = this.writeCodec.name;
    if (writeCodec === "pidList" || writeCodec === "subtreeControl") throw cannot("a write to this file is an action (a move, an enable), not a value");
    const fromKey = RESTORE_FROM_KEY[this.meta.file];
    if (fromKey !== undefined) {
      const held = (value as Record<string, unknown>)[fromKey];
      if (held === undefined) throw cannot(`the file does not print ${fromKey}`);
      return [this.format((typeof held === "bigint" ? held !== 0n : held) as W)];
    }
    if (KEYED_CODECS.has(writeCodec) && writeCodec === this.readCodec.name) {
      const entries = Object.entries(value as Record<string, unknown>);
      // deviceValues: "default" first, so a per-device entry is never overwritten by it.
      entries.sort(([a], [b]) => Number(b === "default") - Number(a === "default"));
      return entries.map(([key, v]) => this.format((writeCodec === "deviceValues" ? { device: key, value: v } : { [key]: v }) as W));
    }
    return [this.format(value as W)];
  }

  /** Put the file back to what an earlier {@link ReadableFile.readRaw} printed, through {@link ReadWriteFile.restoreTexts}. */
  async restore(printed: string): Promise<void> {
    for (const text of this.restoreTexts(printed)) await this.fs.writeFile(this.path, text);
  }
}

/** Keyed codecs: the kernel prints every key and accepts one key (one device) per write. */
const KEYED_CODECS = new Set(["flatKeyed", "nestedKeyed", "deviceValues"]);

/** Files that print several keys but take only one of them as a scalar (the spec's file name → the key). */
const RESTORE_FROM_KEY: Readonly<Record<string, string>> = { "memory.oom_control": "oom_kill_disable" };

/** A write-only control file (`cgroup.kill`, `memory.reclaim`). @public */
export class WriteOnlyFile<W> extends ControlFile {
  constructor(
    dir: string,
    name: string,
    meta: FileMeta,
    fs: CgroupFs,
    /** Validates and formats a `W` into the text the kernel accepts. */
    protected readonly writeCodec: Codec<unknown, W>,
  ) {
    super(dir, name, meta, fs);
  }

  /** Validate, format and write with one `write(2)`. Invalid values never reach the kernel. */
  async write(value: W): Promise<void> {
    await this.fs.writeFile(this.path, this.format(value));
  }

  /** `write`, synchronously. */
  writeSync(value: W): void {
    this.fs.writeFileSync(this.path, this.format(value));
  }

  /** The text a write of `value` would send; throws {@link InvalidValueError} without touching the kernel. */
  format(value: W): string {
    return formatForWrite(this.writeCodec, value, this.name, this.meta);
  }
}

function formatForWrite<W>(codec: Codec<unknown, W>, value: W, file: string, meta: FileMeta): string {
  const text = assertOneLine(codec.format(value, file), file, value);
  checkKernelBounds(meta, file, value);
  return text;
}

/** Base of every generated controller class: binds a cgroup directory and a filesystem. @public */
export abstract class ControllerAccessor {
  constructor(
    /** The cgroup directory in this controller's hierarchy. */
    readonly dir: string,
    /** The filesystem seam every read and write goes through (a fake one in tests). */
    protected readonly fs: CgroupFs,
  ) {}
}

/**
 * Fill the one `<param>` of a templated file name (`hugetlb.<size>.max`).
 * The value must match the spec's pattern and can never leave the directory.
 * @public
 */
export function fillTemplate(template: string, value: string, pattern?: RegExp): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_:-]+$/.test(value) || (pattern !== undefined && !pattern.test(value))) {
    throw new InvalidValueError(template, value, `not a valid parameter${pattern ? ` (expected ${pattern.source})` : ""}`);
  }
  return template.replace(/<[a-z_]+>/, value);
}
