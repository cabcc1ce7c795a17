// `events GROUP`: stream a group's kernel events (watch()), one line each, until the group is removed or a signal.
import { watch, type CgroupEvent, type WatchedGroup } from "../../events/watch.js";
import { groupArg, type CliContext } from "../context.js";
import { toJson } from "../output.js";
import type { Verb } from "../verb.js";

/** One event as a text line: time, source, the changed keys with their deltas, then every value. @internal */
export function eventLine(event: CgroupEvent): string {
  const signed = (n: bigint) => (n > 0n ? `+${n}` : `${n}`);
  const changed = Object.entries(event.delta).map(([k, d]) => `${k} ${event.values[k]} (${signed(d)})`);
  return `${new Date(event.time).toISOString()} ${event.group} ${event.source}: ${changed.join(", ")}`;
}

/** An event as the JSON line `events --json` and `run --json` print. @internal */
export function eventJson(event: CgroupEvent): Record<string, unknown> {
  return { time: new Date(event.time).toISOString(), group: event.group, source: event.source, values: event.values, delta: event.delta };
}

/** @internal */
export const eventsVerb: Verb = {
  name: "events",
  summary: "stream a group's kernel events (OOM kills, populated/frozen, pids.max hits) as they happen",
  usage: ["events GROUP"],
  description:
    "Prints one line per change of the group's event counters: cgroup.events (populated, frozen),\n" +
    "memory.events[.local], memory.swap.events, pids.events, misc.events and hugetlb.<size>.events on\n" +
    "cgroup2 (inotify, then the file is re-read and diffed), and OOM kills through memory.oom_control on\n" +
    "v1 (an eventfd). Each line names the counters that changed, their new values and deltas; with --json,\n" +
    "one JSON object per line. Ends when the group is removed, or on SIGINT/SIGTERM (exit 0).",
  syntax: { options: [], positionals: { min: 1, max: 1 } },
  examples: [
    ["cgroupkit events web", "watch a group until it is removed"],
    ["cgroupkit events --json batch/job1 | jq -c 'select(.delta.oom_kill)'", "only OOM kills"],
  ],
  async run(ctx: CliContext) {
    const cg = await ctx.openGroup(groupArg(ctx.args.positionals[0] as string));
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      const stream = watch(cg, { signal: stop.signal });
      for await (const event of stream) ctx.io.stdout(`${ctx.json ? toJson(eventJson(event), 0) : eventLine(event)}\n`);
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};

/** The events of one run, recorded from the join to the summary. @internal */
export interface EventRecorder {
  /** Stop watching; the events seen, as JSON objects. */
  stop(): Record<string, unknown>[];
}

/**
 * Watch `cg` for `run --json`: armed before the command gets the go-ahead, so its first event is
 * seen. A watch that cannot be armed is reported and the run goes on without events. @internal
 */
export async function recordEvents(ctx: CliContext, cg: WatchedGroup): Promise<EventRecorder | undefined> {
  const stream = watch(cg);
  try {
    await stream.ready;
  } catch (err) {
    ctx.io.stderr(`cgroupkit run: not watching events: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
  const seen: Record<string, unknown>[] = [];
  const done = (async () => {
    for await (const event of stream) seen.push(eventJson(event));
  })().catch(() => undefined);
  return {
    stop() {
      stream.close();
      void done;
      return seen;
    },
  };
}
