// Writes that undo themselves: each file's old value is turned into the writes that put it back before the
// first write, and a write the kernel refuses restores the earlier ones. Shared by applyResources and `set`.
import { CgroupError, CgroupIoError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";

/** A write that failed after others succeeded; those were restored. @public */
export class ResourceApplyError extends CgroupError {
  constructor(
    /** The refused write's error (also the `cause`). */
    readonly failed: CgroupError,
    /** The files put back, last written first. */
    readonly restored: readonly string[],
    /** The files that could not be put back, each with why. */
    readonly restoreFailures: readonly string[],
  ) {
    super(failed.code, `${failed.message}; ${restoreFailures.length === 0 ? `restored ${restored.length} earlier writes` : `could not restore ${restoreFailures.join(", ")}`}`, { cause: failed });
  }
}

/** A planned write with the writes that undo it, computed from the file's old text before anything is written. @internal */
export interface RestorableWrite {
  readonly file: { readonly path: string };
  /** What the write sends (formatted and validated). */
  readonly text: string;
  /** The writes that put the old value back (`ReadWriteFile.restoreTexts`), or why there are none. */
  readonly restore: readonly string[] | { readonly cannot: string };
}

/**
 * Write each in order; when one fails (the kernel refuses it), undo the earlier ones in reverse
 * with their restore writes and throw {@link ResourceApplyError} naming what was restored.
 * @internal
 */
export async function writeAllOrRestore(fs: CgroupFs, writes: readonly RestorableWrite[]): Promise<RestorableWrite[]> {
  const written: RestorableWrite[] = [];
  for (const w of writes) {
    try {
      await fs.writeFile(w.file.path, w.text);
    } catch (err) {
      if (!(err instanceof CgroupError)) throw err;
      const { restored, restoreFailures } = await restoreWrites(fs, written);
      throw new ResourceApplyError(err, restored, restoreFailures);
    }
    written.push(w);
  }
  return written;
}

/** Undo writes already made, last first, with their restore writes; each failure is named and none stops the others. @internal */
export async function restoreWrites(fs: CgroupFs, written: readonly RestorableWrite[]): Promise<{ restored: string[]; restoreFailures: string[] }> {
  const restored: string[] = [];
  const restoreFailures: string[] = [];
  for (const done of [...written].reverse()) {
    try {
      if (!Array.isArray(done.restore)) throw new Error((done.restore as { cannot: string }).cannot);
      for (const text of done.restore as readonly string[]) await fs.writeFile(done.file.path, text);
      restored.push(done.file.path);
    } catch (restoreErr) {
      restoreFailures.push(`${done.file.path} (${restoreErr instanceof CgroupIoError ? restoreErr.errno : restoreErr instanceof Error ? restoreErr.message : String(restoreErr)})`);
    }
  }
  return { restored, restoreFailures };
}
