// pressure(): PSI triggers. The trigger is written to an fd opened O_RDWR|O_NONBLOCK on
// <group>/<resource>.pressure or /proc/pressure/<resource>; the kernel then raises POLLPRI on that fd
// at most once per window while the stall exceeds the threshold. The wait is the shared poll(2) on a
// koffi worker thread (native.ts), so nothing polls on a timer and the event loop stays free.
import * as nodeFs from "node:fs";
import { CpuV2, IoV2, MemoryV2 } from "../../generated/index.js";
import { codecs } from "../runtime/codecs/index.js";
import type { Pressure, PressureTrigger } from "../runtime/codecs/pressure.js";
import { CgroupIoError, InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { POLLERR, POLLHUP, POLLNVAL, POLLPRI, sharedPoll } from "./native.js";
import { AsyncQueue } from "./queue.js";
import type { WatchedGroup } from "./watch.js";

/** A resource PSI reports on. @public */
export type PressureResource = "memory" | "cpu" | "io";

/** Options of {@link pressure}. @public */
export interface PressureOptions {
  /** `some`: at least one task stalled; `full`: every non-idle task stalled at once. */
  readonly kind: "some" | "full";
  /** Stall time within the window that fires the trigger, in µs (1 .. windowUs). */
  readonly stallUs: number | bigint;
  /** The window, in µs: 500 000 .. 10 000 000; without CAP_SYS_RESOURCE a multiple of 2 000 000. */
  readonly windowUs: number | bigint;
  /** Aborting ends the iteration and drops the trigger. */
  readonly signal?: AbortSignal;
}

/** One kernel notification of a PSI trigger. @public */
export interface PressureEvent {
  /** The pressure file the trigger is on. */
  readonly path: string;
  /** The resource that stalled. */
  readonly resource: PressureResource;
  /** The trigger that fired, as written. */
  readonly trigger: PressureTrigger;
  /** The file's averages and totals, read right after the notification. */
  readonly pressure: Pressure;
  /** When the notification was seen, ms since the epoch. */
  readonly time: number;
}

const RESOURCES: readonly PressureResource[] = ["memory", "cpu", "io"];
const CAP_SYS_RESOURCE = 24;
const UNPRIVILEGED_WINDOW_STEP_US = 2_000_000n;

/** Whether this process holds CAP_SYS_RESOURCE, which the kernel requires for windows that are not a multiple of 2 s. */
function hasSysResource(): boolean {
  try {
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(nodeFs.readFileSync("/proc/self/status", "utf8"))?.[1];
    return capEff !== undefined && ((BigInt(`0x${capEff}`) >> BigInt(CAP_SYS_RESOURCE)) & 1n) === 1n;
  } catch {
    return false;
  }
}

function toBigint(file: string, what: string, value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidValueError(file, value, `${what} must be an integer number of microseconds`);
}

/**
 * The trigger as the kernel will take it, or a typed error: the kernel's rules are checked here,
 * before any file is opened. @internal
 */
export function pressureTrigger(file: string, options: PressureOptions, privileged: () => boolean): { trigger: PressureTrigger; text: string } {
  const trigger: PressureTrigger = { kind: options.kind, stallUs: toBigint(file, "stallUs", options.stallUs), windowUs: toBigint(file, "windowUs", options.windowUs) };
  const text = codecs.psi().format(trigger, file); // kind, window 500 ms..10 s, 0 < stall <= window
  if (trigger.windowUs % UNPRIVILEGED_WINDOW_STEP_US !== 0n && !privileged()) {
    throw new InvalidValueError(file, trigger, "without CAP_SYS_RESOURCE the kernel takes only windows that are a multiple of 2 s (2000000 us)");
  }
  return { trigger, text };
}

function pressureFile(target: WatchedGroup | "host", resource: PressureResource) {
  if (target === "host") {
    const file = `/proc/pressure/${resource}`;
    return { path: file, read: () => codecs.psi().parse(nodeFs.readFileSync(file, "latin1"), file) };
  }
  const dir = target.placements.find((p) => p.hierarchy.version === "v2")?.dir;
  if (dir === undefined) throw new UnsupportedError(`pressure ${target.name}: PSI triggers need a cgroup2 placement (v1 has none; use "host" for /proc/pressure)`);
  const accessor = resource === "memory" ? new MemoryV2(dir, target.fs).pressure : resource === "cpu" ? new CpuV2(dir, target.fs).pressure : new IoV2(dir, target.fs).pressure;
  return { path: accessor.path, read: () => accessor.read() };
}

/**
 * A PSI trigger on a group's `<resource>.pressure` (cgroup2) or, with `"host"`, on
 * `/proc/pressure/<resource>`: one item per kernel notification (the kernel sends at most one
 * per window). The iteration ends on `break`, the signal's abort, or when the group is removed
 * (the kernel reports POLLERR on the fd); closing the fd drops the trigger.
 *
 * The wait is poll(2) for POLLPRI on one of koffi's worker threads, shared by every trigger and
 * v1 OOM watch of the process: no timer, no busy loop, no native addon to build.
 * @throws {@link InvalidValueError} for a window outside 500 ms..10 s, a stall of 0 or above the
 * window, or (without CAP_SYS_RESOURCE) a window that is not a multiple of 2 s — before any file is opened
 * @throws {@link CgroupIoError} when the file cannot be opened or the kernel refuses the trigger
 * @public
 */
export function pressure(target: WatchedGroup | "host", resource: PressureResource, options: PressureOptions): AsyncIterableIterator<PressureEvent> {
  if (!RESOURCES.includes(resource)) throw new InvalidValueError("pressure resource", resource, `one of ${RESOURCES.join(", ")}`);
  const file = pressureFile(target, resource);
  const { trigger, text } = pressureTrigger(file.path, options, hasSysResource);
  let fd: number;
  try {
    fd = nodeFs.openSync(file.path, nodeFs.constants.O_RDWR | nodeFs.constants.O_NONBLOCK);
  } catch (err) {
    throw new CgroupIoError("open", file.path, (err as NodeJS.ErrnoException).code ?? "EIO", undefined, err);
  }
  try {
    nodeFs.writeSync(fd, `${text}\0`);
  } catch (err) {
    nodeFs.closeSync(fd);
    throw new CgroupIoError("write", file.path, (err as NodeJS.ErrnoException).code ?? "EIO", text, err);
  }
  const signal = options.signal;
  const onAbort = () => queue.end();
  const queue = new AsyncQueue<PressureEvent>(() => {
    sharedPoll.remove(fd, true);
    signal?.removeEventListener("abort", onAbort);
  });
  signal?.addEventListener("abort", onAbort, { once: true });
  sharedPoll.add({
    fd,
    events: POLLPRI,
    ready: (revents) => {
      if (revents & (POLLERR | POLLHUP | POLLNVAL)) return queue.end(); // the group went away
      const time = Date.now();
      Promise.resolve()
        .then(() => file.read())
        .then(
          (read) => queue.push({ path: file.path, resource, trigger, pressure: read, time }),
          (err: unknown) => (err instanceof CgroupIoError && err.errno === "ENOENT" ? queue.end() : queue.fail(err)),
        );
    },
  });
  if (signal?.aborted) queue.end();
  return queue;
}
