// `gc`: remove the groups of `cgroupkit run`s that were killed before they could clean up.
import { groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";
import { reclaimClaimedGroup, reclaimStaleRunGroup } from "./run-owner.js";
import { staleClaims, staleRunGroups } from "./tree.js";

/** @internal */
export const gcVerb: Verb = {
  name: "gc",
  summary: "remove groups left by cgroupkit run when it was killed (owner gone)",
  usage: ["gc [--dry-run] [GROUP]"],
  description:
    "Finds the groups under GROUP (default: everywhere) that cgroupkit run made and whose run is gone\n" +
    "(ls shows them as stale: the leaf run-<pid>-<starttime> names a process that no longer exists), and\n" +
    "removes each: what still runs in its leaf is killed (as run would have), then the group goes with a\n" +
    "plain rmdir, so a group someone has meanwhile re-made or used otherwise is left alone. A run killed before\n" +
    "its leaf existed leaves a .cgroupkit-claim-run-<pid>-<starttime>-<name> beside its group: gc removes the\n" +
    "claim, and the group when it is empty and younger than the claim. Nothing else is touched.",
  syntax: { options: [{ name: "dry-run", short: "n", takes: "flag", help: "only list what would be removed" }], positionals: { min: 0, max: 1 } },
  examples: [
    ["cgroupkit gc", "remove every stale run group"],
    ["cgroupkit gc -n jobs", "list the stale ones under jobs"],
  ],
  async run(ctx: CliContext) {
    const text = ctx.args.positionals[0];
    const start = text === undefined || text === "/" ? "" : groupArg(text);
    const stale = await staleRunGroups(ctx, start);
    const dryRun = ctx.args.flags.has("dry-run");
    const removed: string[] = [];
    const kept: string[] = [];
    for (const name of stale) {
      if (dryRun) {
        removed.push(name);
        if (!ctx.json) ctx.print(`would remove ${name}`);
        continue;
      }
      // Checked again right before removal: its run may have been re-made meanwhile.
      if (await reclaimStaleRunGroup(ctx, name)) {
        removed.push(name);
        if (!ctx.json) ctx.print(`removed ${name}`);
      } else kept.push(name);
    }
    // Runs killed between making their group and its marker leaf: the claim beside it says whose it is.
    const claimed = await staleClaims(ctx, start);
    for (const name of claimed) {
      if (!(await reclaimClaimedGroup(ctx, name, { dryRun }))) continue; // its dead claim goes; the group was not the run's (or is gone)
      removed.push(name);
      if (!ctx.json) ctx.print(dryRun ? `would remove ${name} (claimed by a run that is gone)` : `removed ${name}`);
    }
    if (ctx.json) ctx.printJson({ [dryRun ? "wouldRemove" : "removed"]: removed, ...(kept.length > 0 ? { skipped: kept } : {}) });
    else if (stale.length === 0 && claimed.length === 0) ctx.print("no stale run groups");
    return 0;
  },
};
