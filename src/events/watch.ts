// watch(): the kernel's cgroup event counters as an AsyncIterable. cgroup2: one inotify watch on the
// group's directory (kernfs reports a changed *.events file to its directory's watchers too) and one
// on its parent (rmdir is seen only there); each notification re-reads the file and yields the
// counters that changed. v1 memory: an eventfd registered for memory.oom_control through
// cgroup.event_control. Counts always come from the counters: the kernel coalesces notifications.
import { EventEmitter } from "node:events";
import * as nodeFs from "node:fs";
import * as path from "node:path";
import { CoreV2, HugetlbV2, MemoryV1, MemoryV2, MiscV2, PidsV2 } from "../../generated/index.js";
import type { CgroupHierarchy } from "../cgroup/mounts.js";
import type { ReadableFile } from "../runtime/accessor.js";
import { CgroupIoError, UnsupportedError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";
import { closeFd, createEventFd, drainEventFd, POLLERR, POLLHUP, POLLIN, POLLNVAL, sharedPoll } from "./native.js";
import { AsyncQueue } from "./queue.js";

/**
 * What {@link watch} and {@link waitFor} need of a group: a {@link Cgroup} is one.
 * @public
 */
export interface WatchedGroup {
  /** The group's name, for events and errors. */
  readonly name: string;
  /** The group's directory in each hierarchy it is in. */
  readonly placements: readonly {
    /** The hierarchy. */
    readonly hierarchy: CgroupHierarchy;
    /** The group's absolute directory in it. */
    readonly dir: string;
  }[];
  /** Where to read and watch. */
  readonly fs: CgroupFs;
  /** Pids in the group; `recursive` adds every descendant group's. */
  procs(options?: { recursive?: boolean }): Promise<number[]>;
  /** Child group names (full names). */
  children(): Promise<string[]>;
}

/**
 * The file an event's counters come from: a cgroup2 `*.events` file, or v1 `memory.oom_control`
 * (whose eventfd fires on an OOM). `hugetlb.<size>.events[.local]` has the page size in its name.
 * @public
 */
export type CgroupEventSource =
  | "cgroup.events"
  | "memory.events"
  | "memory.events.local"
  | "memory.swap.events"
  | "pids.events"
  | "pids.events.local"
  | "misc.events"
  | "misc.events.local"
  | `hugetlb.${string}.events`
  | `hugetlb.${string}.events.local`
  | "memory.oom_control";

/** One change of one event file: its counters now, and how each changed key moved. @public */
export interface CgroupEvent {
  /** The group's name. */
  readonly group: string;
  /** The file the counters come from. */
  readonly source: CgroupEventSource;
  /** Absolute path of the file read. */
  readonly path: string;
  /** Every counter of the file as just read (`populated`, `frozen`, `oom_kill`, `max`, …). */
  readonly values: Readonly<Record<string, bigint>>;
  /** The keys that changed since the previous read, as new minus old (`populated` 1 → 0 is `-1n`). */
  readonly delta: Readonly<Record<string, bigint>>;
  /** When it was read, ms since the epoch. */
  readonly time: number;
}

/** The counters a watch holds, as of its last read. @public */
export interface CgroupEventState {
  /** cgroup.events `populated` (cgroup2 only; `undefined` without a cgroup2 placement). */
  readonly populated: boolean | undefined;
  /** cgroup.events `frozen` (cgroup2 only). */
  readonly frozen: boolean | undefined;
  /** True once every watched directory of the group is gone. */
  readonly removed: boolean;
  /** The last values read from each source. */
  readonly values: Readonly<Partial<Record<CgroupEventSource, Readonly<Record<string, bigint>>>>>;
}

/** Options of {@link watch}. @public */
export interface WatchOptions {
  /** Aborting ends the iteration (cleanly, like `break`) and releases every watch and fd. */
  readonly signal?: AbortSignal;
}

/** Which sources a stream arms. @internal */
export interface WatchScope {
  readonly v1Memory: boolean;
  readonly v2Sources: RegExp;
}

const V2_SOURCE_NAME = /^(?:cgroup\.events|memory\.events(?:\.local)?|memory\.swap\.events|pids\.events(?:\.local)?|misc\.events(?:\.local)?|hugetlb\.\d+[KMG]B\.events(?:\.local)?)$/;

const EVERY_SOURCE: WatchScope = { v1Memory: true, v2Sources: V2_SOURCE_NAME };
/** Only cgroup2's cgroup.events (populated, frozen): what freeze, kill and remove wait on. @internal */
export const CGROUP_EVENTS_ONLY: WatchScope = { v1Memory: false, v2Sources: /^cgroup\.events$/ };

/** The generated accessor of a cgroup2 event file, by name. */
function v2Accessor(dir: string, fs: CgroupFs, name: string): ReadableFile<Readonly<Record<string, bigint>>> {
  if (name === "cgroup.events") return new CoreV2(dir, fs).events;
  if (name === "memory.events") return new MemoryV2(dir, fs).events;
  if (name === "memory.events.local") return new MemoryV2(dir, fs).eventsLocal;
  if (name === "memory.swap.events") return new MemoryV2(dir, fs).swapEvents;
  if (name === "pids.events") return new PidsV2(dir, fs).events;
  if (name === "pids.events.local") return new PidsV2(dir, fs).eventsLocal;
  if (name === "misc.events") return new MiscV2(dir, fs).events;
  if (name === "misc.events.local") return new MiscV2(dir, fs).eventsLocal;
  const hugetlb = /^hugetlb\.(\d+[KMG]B)\.events(\.local)?$/.exec(name);
  if (hugetlb) return hugetlb[2] ? new HugetlbV2(dir, fs).eventsLocal(hugetlb[1] as string) : new HugetlbV2(dir, fs).events(hugetlb[1] as string);
  throw new Error(`not an event file: ${name}`);
}

function isGone(err: unknown): boolean {
  return err instanceof CgroupIoError && (err.errno === "ENOENT" || err.errno === "ENODEV");
}

function ioError(op: string, file: string, err: unknown): CgroupIoError {
  return new CgroupIoError(op, file, (err as NodeJS.ErrnoException).code ?? "EIO", undefined, err);
}

function diff(before: Readonly<Record<string, bigint>> | undefined, after: Readonly<Record<string, bigint>>): Record<string, bigint> {
  const delta: Record<string, bigint> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before?.[key] ?? 0n;
    if (value !== old) delta[key] = value - old;
  }
  return delta;
}

/** One file whose counters are re-read on notification, in order. */
/** When to read memory.oom_control again after its eventfd fired (ms): the kill is counted after the signal. */
const OOM_COUNT_REREAD_MS = [20, 200, 1000] as const;

class Source {
  last: Readonly<Record<string, bigint>> | undefined;
  private chain: Promise<void> = Promise.resolve();
  constructor(
    readonly name: CgroupEventSource,
    readonly file: ReadableFile<Readonly<Record<string, bigint>>>,
  ) {}

  /** Re-read; `changed` gets the delta when any counter moved. Reads of one source never overlap. */
  refresh(changed: (values: Readonly<Record<string, bigint>>, delta: Record<string, bigint>) => void, gone: () => void, failed: (err: unknown) => void): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        const values = await this.file.read();
        const delta = diff(this.last, values);
        this.last = values;
        if (Object.keys(delta).length > 0) changed(values, delta);
      } catch (err) {
        if (isGone(err)) gone();
        else failed(err);
      }
    });
    return this.chain;
  }
}

/** One placement being watched: its sources and how to let go of it. */
interface Placement {
  readonly dir: string;
  readonly sources: Map<string, Source>;
  alive: boolean;
  release(): void;
}

/**
 * The events of one group, as an `AsyncIterable` (see {@link watch}). Arming starts at once;
 * {@link CgroupEventStream.ready} settles when every source is armed and its baseline read.
 * @public
 */
export class CgroupEventStream implements AsyncIterable<CgroupEvent> {
  /** Resolves once the watch is armed (events after this are seen); rejects with the typed error that stopped it. */
  readonly ready: Promise<void>;
  private readonly queue: AsyncQueue<CgroupEvent>;
  private readonly placements: Placement[] = [];
  private readonly listeners = new Set<(event: CgroupEvent | undefined) => void>();
  private readonly abort: (() => void) | undefined;
  private iterated = false;

  /** @internal */
  constructor(
    private readonly group: WatchedGroup,
    private readonly options: WatchOptions,
    private readonly scope: WatchScope = EVERY_SOURCE,
  ) {
    this.queue = new AsyncQueue<CgroupEvent>(() => this.release());
    const signal = options.signal;
    if (signal) {
      this.abort = () => this.close();
      signal.addEventListener("abort", this.abort, { once: true });
    }
    this.ready = signal?.aborted ? Promise.resolve().then(() => this.close()) : this.arm();
    this.ready.catch((err: unknown) => this.queue.fail(err));
  }

  /** The counters as of the last read. */
  get state(): CgroupEventState {
    const values: Partial<Record<CgroupEventSource, Readonly<Record<string, bigint>>>> = {};
    for (const p of this.placements) for (const s of p.sources.values()) if (s.last) values[s.name] = s.last;
    const events = values["cgroup.events"];
    return {
      populated: events?.populated === undefined ? undefined : events.populated !== 0n,
      frozen: events?.frozen === undefined ? undefined : events.frozen !== 0n,
      removed: this.placements.length > 0 && this.placements.every((p) => !p.alive),
      values,
    };
  }

  /** Stop watching: the iteration ends after what is queued, every watch and fd is released. */
  close(): void {
    this.queue.end();
  }

  /** Iterate the events; a stream is iterated once. */
  [Symbol.asyncIterator](): AsyncIterator<CgroupEvent> {
    if (this.iterated) throw new Error("a CgroupEventStream is iterated once; call watch() again for another iteration");
    this.iterated = true;
    return this.queue;
  }

  /** @internal Called with each event, and with `undefined` when the stream ends; for {@link waitFor}. */
  subscribe(listener: (event: CgroupEvent | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(source: Source, values: Readonly<Record<string, bigint>>, delta: Record<string, bigint>): void {
    if (this.queue.closed) return;
    const event: CgroupEvent = { group: this.group.name, source: source.name, path: source.file.path, values, delta, time: Date.now() };
    if (this.iterated || this.listeners.size === 0) this.queue.push(event);
    for (const listener of this.listeners) listener(event);
  }

  private placementGone(p: Placement): void {
    if (!p.alive) return;
    p.alive = false;
    p.release();
    if (this.placements.every((q) => !q.alive)) this.close();
  }

  private release(): void {
    for (const p of this.placements) p.release();
    if (this.abort) this.options.signal?.removeEventListener("abort", this.abort);
    for (const listener of this.listeners) listener(undefined);
  }

  private async arm(): Promise<void> {
    const { group } = this;
    try {
      let armed = 0;
      for (const p of group.placements) {
        if (p.hierarchy.version === "v2") {
          await this.armV2(p.dir);
          armed++;
        } else if (this.scope.v1Memory && p.hierarchy.controllers.includes("memory")) {
          await this.armV1Memory(p.dir);
          armed++;
        }
      }
      if (armed === 0) throw new UnsupportedError(`watch ${group.name}: no event source (needs a cgroup2 placement or the v1 memory hierarchy)`);
      if (this.queue.closed) this.release(); // closed while arming: let go of what was armed after the close
    } catch (err) {
      this.release();
      throw err;
    }
  }

  private async armV2(dir: string): Promise<void> {
    const { fs } = this.group;
    const sources = new Map<string, Source>();
    const watchers: nodeFs.FSWatcher[] = [];
    const placement: Placement = {
      dir,
      sources,
      alive: true,
      release: () => {
        for (const w of watchers.splice(0)) w.close();
      },
    };
    this.placements.push(placement);
    const gone = () => this.placementGone(placement);
    const failed = (err: unknown) => this.queue.fail(err);
    const onChange = (name: string | null) => {
      const source = name === null ? undefined : sources.get(name);
      if (source) void source.refresh((values, delta) => this.emit(source, values, delta), gone, failed);
    };
    // Watch first, then read the baseline: a change in between is re-read, never missed.
    const watchDir = (target: string, listener: (event: string, name: string | null) => void) => {
      let watcher: nodeFs.FSWatcher;
      try {
        watcher = nodeFs.watch(target, { persistent: true }, listener);
      } catch (err) {
        throw ioError("watch", target, err);
      }
      watcher.on("error", (err) => (isGone(ioError("watch", target, err)) ? gone() : failed(ioError("watch", target, err))));
      watchers.push(watcher);
    };
    watchDir(dir, (_event, name) => onChange(name));
    const parent = path.dirname(dir);
    const base = path.basename(dir);
    if (parent !== dir) {
      watchDir(parent, (event, name) => {
        if (event === "rename" && name === base) void fs.stat(dir).then((s) => s === undefined && gone(), failed);
      });
    }
    // cgroup.events is in every non-root group; the other files depend on the controllers enabled: listed
    const names = this.scope.v2Sources === CGROUP_EVENTS_ONLY.v2Sources ? ["cgroup.events"] : (await fs.readdir(dir)).filter((e) => !e.isDirectory && V2_SOURCE_NAME.test(e.name) && this.scope.v2Sources.test(e.name)).map((e) => e.name);
    for (const name of names) sources.set(name, new Source(name as CgroupEventSource, v2Accessor(dir, fs, name)));
    for (const source of sources.values()) source.last = await source.file.read();
  }

  private async armV1Memory(dir: string): Promise<void> {
    const memory = new MemoryV1(dir, this.group.fs);
    const source = new Source("memory.oom_control", memory.oomControl);
    const sources = new Map<string, Source>([[source.name, source]]);
    let efd = -1;
    let targetFd: number | undefined;
    const placement: Placement = {
      dir,
      sources,
      alive: true,
      release: () => {
        if (targetFd !== undefined) nodeFs.closeSync(targetFd);
        targetFd = undefined;
        if (efd >= 0) sharedPoll.remove(efd, true);
        efd = -1;
      },
    };
    this.placements.push(placement);
    source.last = await source.file.read(); // ENOENT here: the group is missing, nothing is open yet
    try {
      targetFd = nodeFs.openSync(source.file.path, nodeFs.constants.O_RDONLY);
    } catch (err) {
      throw ioError("open", source.file.path, err);
    }
    try {
      efd = createEventFd();
    } catch (err) {
      throw ioError("eventfd", source.file.path, err);
    }
    await memory.eventControl.write(`${efd} ${targetFd}`);
    const gone = () => this.placementGone(placement);
    sharedPoll.add({
      fd: efd,
      events: POLLIN,
      ready: (revents) => {
        if (revents & (POLLERR | POLLHUP | POLLNVAL)) return gone();
        drainEventFd(efd);
        // The kernel also signals the eventfd once when the group is removed: re-reading tells which.
        // It signals an OOM before the killer has counted its kill in oom_kill, so a read at once can miss the
        // kill: read again a little later (each read reports only counters that moved).
        const refresh = () => void source.refresh((values, delta) => this.emit(source, values, delta), gone, (err) => this.queue.fail(err));
        refresh();
        for (const ms of OOM_COUNT_REREAD_MS) setTimeout(() => placement.alive && refresh(), ms).unref();
      },
    });
  }
}

/**
 * Watch a group's event counters: `cgroup.events` (populated, frozen), `memory.events`,
 * `memory.events.local`, `memory.swap.events`, `pids.events[.local]`, `misc.events[.local]` and
 * `hugetlb.<size>.events[.local]` where the group has them (cgroup2), and OOMs through
 * `memory.oom_control` (v1). Each item is one file whose counters changed, with the new values and
 * the deltas; notifications the kernel coalesced show as one larger delta. The iteration ends when
 * the group is removed from every watched hierarchy, on `close()`, `break` or the signal's abort.
 *
 * A missing group fails {@link CgroupEventStream.ready} (and the first `next()`) with
 * {@link CgroupIoError} ENOENT naming its directory; nothing stays armed.
 * @public
 */
export function watch(group: WatchedGroup, options: WatchOptions = {}): CgroupEventStream {
  return new CgroupEventStream(group, options);
}

/**
 * An EventEmitter over {@link watch}: `event` (a {@link CgroupEvent}), `error`, then `end`. Call
 * `close()` on the returned emitter to stop.
 * @public
 */
export function watchEmitter(
  group: WatchedGroup,
  options: WatchOptions = {},
): EventEmitter & {
  /** Stop watching; `end` follows. */
  close(): void;
} {
  const stream = watch(group, options);
  const emitter = Object.assign(new EventEmitter(), { close: () => stream.close() });
  void (async () => {
    try {
      for await (const event of stream) emitter.emit("event", event);
      emitter.emit("end");
    } catch (err) {
      emitter.emit("error", err);
    }
  })();
  return emitter;
}
