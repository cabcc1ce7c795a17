// waitFor(): wait until a group's event counters satisfy a condition, woken by the kernel's events
// (never a sleep loop), within a budget; a timeout names what is still in the group.
import { CgroupIoError } from "../runtime/errors.js";
import { CgroupEventStream, type CgroupEventState, type WatchedGroup } from "./watch.js";

/**
 * A wait ran out of budget. `code`/`errno` is ETIMEDOUT; `pids` and `children` are what the group
 * (with its descendants) still held when it gave up.
 * @public
 */
export class WaitTimeoutError extends CgroupIoError {
  /** The group's name. */
  readonly group: string;
  /** What was waited for, as words: `"frozen = 1"`, `"populated = 0"`. */
  readonly condition: string;
  /** The budget that ran out, in ms. */
  readonly timeoutMs: number;
  /** Pids the group and its descendants still held. */
  readonly pids: readonly number[];
  /** Child groups still there. */
  readonly children: readonly string[];
  constructor(group: string, path: string, condition: string, timeoutMs: number, pids: readonly number[], children: readonly string[]) {
    super("wait for", path, "ETIMEDOUT");
    this.group = group;
    this.condition = condition;
    this.timeoutMs = timeoutMs;
    this.pids = pids;
    this.children = children;
    const list = <T>(items: readonly T[]) => (items.length === 0 ? "none" : `${items.slice(0, 20).join(" ")}${items.length > 20 ? " …" : ""}`);
    this.message = `wait for ${condition} on ${group} (${path}): ETIMEDOUT after ${timeoutMs} ms; live processes: ${list(pids)}; child groups: ${list(children)}`;
  }
}

/** Options of {@link waitFor}. @public */
export interface WaitOptions {
  /** Budget in ms; default 10 000. */
  readonly timeoutMs?: number;
  /** Aborting rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How the condition reads in a timeout's message; default `"the condition"`. */
  readonly condition?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Wait on an armed stream until `predicate` holds for its state: checked once now, then after each
 * event and when the group is removed. @internal
 */
export async function settle(group: WatchedGroup, stream: CgroupEventStream, predicate: (state: CgroupEventState) => boolean, options: WaitOptions = {}): Promise<CgroupEventState> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const condition = options.condition ?? "the condition";
  const v2Dir = group.placements.find((p) => p.hierarchy.version === "v2")?.dir;
  const where = v2Dir !== undefined ? `${v2Dir}/cgroup.events` : (group.placements[0]?.dir ?? `/${group.name}`);
  if (predicate(stream.state)) return stream.state;
  return new Promise<CgroupEventState>((resolve, reject) => {
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const check = (ended: boolean) => {
      let met: boolean;
      try {
        met = predicate(stream.state);
      } catch (err) {
        return finish(() => reject(err));
      }
      if (met) finish(() => resolve(stream.state));
      else if (ended) finish(() => reject(new CgroupIoError(`wait for ${condition} on`, where, stream.state.removed ? "ENOENT" : "ECANCELED")));
    };
    const unsubscribe = stream.subscribe((event) => check(event === undefined));
    const onAbort = () => finish(() => reject(options.signal?.reason));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      void Promise.all([group.procs({ recursive: true }).catch(() => []), group.children().catch(() => [])]).then(([pids, children]) =>
        finish(() => reject(new WaitTimeoutError(group.name, where, condition, timeoutMs, pids, children))),
      );
    }, timeoutMs);
    if (options.signal?.aborted) onAbort();
  });
}

/**
 * Wait until the group's event counters satisfy `predicate`: checked on the current counters,
 * then each time the kernel reports a change (see {@link watch}), and once more if the group is
 * removed (`state.removed`). Resolves with the state that satisfied it.
 *
 * ```ts
 * await waitFor(cg, (s) => s.populated === false, { timeoutMs: 5000, condition: "populated = 0" });
 * ```
 * @throws {@link WaitTimeoutError} after `timeoutMs`, naming the pids and child groups still there
 * @throws {@link CgroupIoError} ENOENT when the group is removed without the condition holding, or is missing
 * @public
 */
export async function waitFor(group: WatchedGroup, predicate: (state: CgroupEventState) => boolean, options: WaitOptions = {}): Promise<CgroupEventState> {
  const stream = new CgroupEventStream(group, {});
  try {
    await stream.ready;
    return await settle(group, stream, predicate, options);
  } finally {
    stream.close();
  }
}
