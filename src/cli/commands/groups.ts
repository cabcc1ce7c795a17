// `create`, `delete` and `classify`: the libcgroup cgcreate / cgdelete / cgclassify of cgroupkit.
import { CoreV2 } from "../../../generated/index.js";
import { Cgroup } from "../../cgroup/cgroup.js";
import { hierarchyFor, type CgroupLayout } from "../../cgroup/mounts.js";
import { CgroupIoError } from "../../runtime/errors.js";
import type { CgroupFs } from "../../runtime/fs.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";
import { DRIVER_OPTION, PROPERTY_OPTION, resolveDriver } from "./driver.js";
import { createSlices, deleteSlices } from "./groups-systemd.js";

function describePlacement(cg: Cgroup): Array<{ version: string; controllers: string; dir: string }> {
  return cg.placements.map((p) => ({
    version: p.hierarchy.version,
    controllers: p.hierarchy.version === "v1" ? [...p.hierarchy.controllers, ...(p.hierarchy.name ? [`name=${p.hierarchy.name}`] : [])].join(",") : "cgroup2",
    dir: p.dir,
  }));
}

/**
 * Controllers a new group is placed under by default: every mounted v1 hierarchy, and on cgroup2
 * the controllers the root already delegates (so nothing is written at a hierarchy's root).
 * @internal
 */
export async function defaultControllers(layout: CgroupLayout, fs: CgroupFs): Promise<string[]> {
  const out: string[] = [];
  for (const h of layout.v1) {
    if (h.mountPoint === undefined) continue;
    out.push(h.controllers[0] ?? `name=${h.name}`);
  }
  const v2 = layout.v2;
  if (v2?.mountPoint !== undefined) {
    const enabled = await new CoreV2(v2.mountPoint, fs).subtreeControl.read();
    out.push(...enabled.filter((c) => v2.controllers.includes(c)));
  }
  return out;
}

/** `--controllers memory,cpu` checked against the layout. @internal */
export function controllersArg(layout: CgroupLayout, text: string): string[] {
  const list = text.split(",").map((c) => c.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError("--controllers needs at least one controller name");
  for (const c of list) {
    if (!hierarchyFor(layout, c)) {
      const known = [...new Set(layout.hierarchies.flatMap((h) => [...h.controllers, ...(h.version === "v1" && h.name ? [`name=${h.name}`] : [])]))].sort();
      throw new UsageError(`controller ${JSON.stringify(c)} is not available on this host (available: ${known.join(", ")})`);
    }
  }
  return list;
}

/** @internal */
export const createVerb: Verb = {
  name: "create",
  summary: "create groups (like cgcreate); an existing group is fine",
  usage: ["create [--controllers LIST] GROUP…"],
  description:
    "Creates each GROUP (and missing parents) in the hierarchies that hold the controllers. Default: every\n" +
    "mounted v1 hierarchy, plus cgroup2 with the controllers its root already enables. On cgroup2 the chosen\n" +
    "controllers are enabled down the path to the group. A leading / in GROUP is accepted.\n" +
    "With the systemd driver each GROUP is a transient slice (batch/job1 → batch-job1.slice; -p sets its\n" +
    "properties); cgroupkit exec GROUP then runs commands in delegated scopes inside it.",
  syntax: {
    options: [{ name: "controllers", short: "g", takes: "value", valueName: "LIST", help: "comma-separated controllers (memory,cpu,pids,name=systemd); cgroup2 is always included" }, DRIVER_OPTION, PROPERTY_OPTION],
    positionals: { min: 1, max: Infinity },
  },
  examples: [
    ["cgroupkit create web", "a group in every hierarchy"],
    ["cgroupkit create -g memory,pids batch/job1", "only where memory and pids live (plus cgroup2)"],
  ],
  async run(ctx: CliContext) {
    const names = ctx.args.positionals.map(groupArg);
    if ((await resolveDriver(ctx, names[0], "create")) === "systemd") {
      if (ctx.args.values.has("controllers")) throw new UsageError("--controllers is for the cgroupfs driver: systemd enables the controllers a slice's units use", "create");
      return createSlices(ctx, names);
    }
    const layout = await ctx.layout();
    const given = optionValue(ctx.args, "controllers");
    // no --controllers: the library's default (every hierarchy; on cgroup2 what each level's owner already enables, so a delegatee never writes above its subtree)
    const controllers = given !== undefined ? controllersArg(layout, given) : undefined;
    const results = [];
    for (const name of names) {
      const existed = await Promise.all(layout.hierarchies.map(async (h) => (h.mountPoint ? (await ctx.fs.stat(`${h.mountPoint}/${name}`)) !== undefined : false)));
      const cg = await Cgroup.create(name, { layout, controllers, fs: ctx.fs });
      const created = !existed.some(Boolean);
      results.push({ group: name, created, placements: describePlacement(cg) });
      if (!ctx.json) ctx.print(`${created ? "created" : "exists"} ${name}: ${cg.placements.map((p) => p.dir).join(" ")}`);
    }
    if (ctx.json) ctx.printJson(results);
    return 0;
  },
};

/** @internal */
export const deleteVerb: Verb = {
  name: "delete",
  summary: "remove groups (like cgdelete)",
  usage: ["delete [-r] [--kill] GROUP…"],
  description:
    "Removes each GROUP from every hierarchy that has it. A group with child groups needs -r; a group\n" +
    "with live processes is refused unless --kill, which kills them (and every descendant's) first.",
  syntax: {
    options: [
      { name: "recursive", short: "r", takes: "flag", help: "also remove child groups, bottom-up" },
      { name: "kill", takes: "flag", help: "kill live processes in the group and its children first" },
      DRIVER_OPTION,
    ],
    positionals: { min: 1, max: Infinity },
  },
  examples: [
    ["cgroupkit delete web", "an empty group without children"],
    ["cgroupkit delete -r --kill batch", "a whole subtree, killing what runs in it"],
  ],
  async run(ctx: CliContext) {
    const names = ctx.args.positionals.map(groupArg);
    if ((await resolveDriver(ctx, names[0], "delete")) === "systemd") return deleteSlices(ctx, names);
    const removed: string[] = [];
    for (const name of names) {
      const cg = await ctx.openGroup(name);
      const children = await cg.children();
      if (children.length > 0 && !ctx.args.flags.has("recursive")) {
        throw new CliError(`${name} has child groups (${children.slice(0, 5).join(", ")}${children.length > 5 ? ", …" : ""}); use -r to remove them too`);
      }
      await cg.remove({ kill: ctx.args.flags.has("kill") });
      removed.push(name);
      if (!ctx.json) ctx.print(`removed ${name}`);
    }
    if (ctx.json) ctx.printJson({ removed });
    return 0;
  },
};

/** @internal */
export const classifyVerb: Verb = {
  name: "classify",
  summary: "move running processes into a group (like cgclassify)",
  usage: ["classify GROUP PID…"],
  description: "Moves each PID (all its threads) into GROUP in every hierarchy that has the group.",
  syntax: { options: [], positionals: { min: 2, max: Infinity } },
  examples: [["cgroupkit classify web 1234 1235", "two processes into web"]],
  async run(ctx: CliContext) {
    const [groupText, ...pidTexts] = ctx.args.positionals as [string, ...string[]];
    const name = groupArg(groupText);
    const pids = pidTexts.map((t) => {
      const pid = /^\d+$/.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(pid) || pid <= 0) throw new UsageError(`${JSON.stringify(t)} is not a pid (a positive integer)`);
      return pid;
    });
    const cg = await ctx.openGroup(name);
    for (const pid of pids) {
      try {
        await cg.attach(pid);
      } catch (err) {
        if (err instanceof CgroupIoError && err.errno === "ESRCH") throw new CliError(`no such process: ${pid}`);
        throw err;
      }
      if (!ctx.json) ctx.print(`moved ${pid} into ${name}`);
    }
    if (ctx.json) ctx.printJson({ group: name, moved: pids });
    return 0;
  },
};
