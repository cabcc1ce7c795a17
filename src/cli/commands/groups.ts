// `create`, `delete` and `classify`: the libcgroup cgcreate / cgdelete / cgclassify of cgroupkit.
import { CoreV2 } from "../../../generated/index.js";
import { Cgroup } from "../../cgroup/cgroup.js";
import { checkControllerNames, type ControllerName } from "../../cgroup/controllers.js";
import type { CgroupLayout } from "../../cgroup/mounts.js";
import { CgroupIoError } from "../../runtime/errors.js";
import type { CgroupFs } from "../../runtime/fs.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";
import { DRIVER_OPTION, PROPERTY_OPTION, resolveDriver } from "./driver.js";
import { createSlices, deleteSlices } from "./groups-systemd.js";
import { controllersArg, groupSpecOption, groupSpecs, hasGroupSpec, ownerArg, singleGroupSpec, specHierarchies } from "../libcgroup.js";

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
export async function defaultControllers(layout: CgroupLayout, fs: CgroupFs): Promise<ControllerName[]> {
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
  return checkControllerNames(out, layout); // names the kernel printed: the layout has each of them
}

/** Modes are not set by cgroupkit: libcgroup's -d/-f/-s are refused with what to do instead. */
const MODE_HINT = "cgroupkit create sets owners (-a UID:GID, -t UID:GID), not modes; after creating the group, chmod its directory or files (e.g. chmod 775 /sys/fs/cgroup/memory/GROUP)";

/** @internal */
export const createVerb: Verb = {
  name: "create",
  summary: "create groups (like cgcreate); an existing group is fine",
  usage: ["create [--controllers LIST] [-a UID:GID] [-t UID:GID] GROUP…", "create [-a UID:GID] [-t UID:GID] -g CTRL[,CTRL]:PATH…"],
  description:
    "Creates each GROUP (and missing parents) in the hierarchies that hold the controllers. Default: every\n" +
    "mounted v1 hierarchy, plus cgroup2 with the controllers its root already enables. On cgroup2 the chosen\n" +
    "controllers are enabled down the path to the group. A leading / in GROUP is accepted.\n" +
    "With the systemd driver each GROUP is a transient slice (batch/job1 → batch-job1.slice; -p sets its\n" +
    "properties); cgroupkit exec GROUP then runs commands in delegated scopes inside it.\n" +
    "\n" +
    "libcgroup's forms work too: -g memory,cpu:web is --controllers memory,cpu web ('*' for every mounted\n" +
    "hierarchy; -g memory alone, without ':', is --controllers memory). -a UID:GID gives the directory and\n" +
    "every file in it to that user and group (they may set limits and make child groups); -t UID:GID then gives\n" +
    "the membership files (tasks, cgroup.procs, cgroup.threads) to another, who may move processes in.",
  syntax: {
    options: [
      { name: "controllers", takes: "value", valueName: "LIST", help: "comma-separated controllers (memory,cpu,pids,name=systemd); cgroup2 is always included" },
      groupSpecOption("create"),
      { name: "admin", short: "a", takes: "value", valueName: "UID:GID", help: "owner of the group's directory and files (like cgcreate -a)" },
      { name: "tasks-owner", short: "t", takes: "value", valueName: "UID:GID", help: "owner of the membership files: tasks, cgroup.procs, cgroup.threads (like cgcreate -t)" },
      DRIVER_OPTION,
      PROPERTY_OPTION,
    ],
    positionals: { min: 0, max: Infinity },
    refused: { "-d": MODE_HINT, "-f": MODE_HINT, "-s": MODE_HINT, "--dperm": MODE_HINT, "--fperm": MODE_HINT, "--tperm": MODE_HINT },
  },
  examples: [
    ["cgroupkit create web", "a group in every hierarchy"],
    ["cgroupkit create --controllers memory,pids batch/job1", "only where memory and pids live (plus cgroup2)"],
    ["cgroupkit create -g memory,pids:batch/job1", "the same, as libcgroup's cgcreate types it"],
    ["cgroupkit create -a 1000:1000 -t 1000:1000 -g '*:user1'", "a group user 1000 may configure and move processes into"],
  ],
  async run(ctx: CliContext) {
    const names = ctx.args.positionals.map(groupArg);
    const given = ctx.args.values.get("cgroup") ?? [];
    if ((await resolveDriver(ctx, names[0], "create")) === "systemd") {
      if (ctx.args.values.has("controllers") || given.length > 0) throw new UsageError("--controllers and -g are for the cgroupfs driver: systemd enables the controllers a slice's units use", "create");
      return createSlices(ctx, names);
    }
    const layout = await ctx.layout();
    // `-g memory` (no ':') is --controllers, as before libcgroup's form was accepted.
    const lists = [optionValue(ctx.args, "controllers"), ...given.filter((g) => !g.includes(":"))].filter((t): t is string => t !== undefined);
    const specs = groupSpecs(given.filter((g) => g.includes(":")), layout, "create");
    if (names.length === 0 && specs.length === 0) throw new UsageError("missing argument: give GROUP… or -g CONTROLLERS:PATH (e.g. -g memory,cpu:web)", "create");
    if (lists.length > 0 && names.length === 0) throw new UsageError(`--controllers (or -g without ':') names no group: type -g ${lists.join(",")}:GROUP, or add GROUP`, "create");
    const admin = ctx.args.values.has("admin") ? ownerArg("-a", optionValue(ctx.args, "admin") as string, "create") : undefined;
    const tasks = ctx.args.values.has("tasks-owner") ? ownerArg("-t", optionValue(ctx.args, "tasks-owner") as string, "create") : undefined;
    // no --controllers: the library's default (every hierarchy; on cgroup2 what each level's owner already enables, so a delegatee never writes above its subtree)
    const byDefault = lists.length > 0 ? controllersArg(layout, lists.join(",")) : undefined;
    const targets = [
      ...names.map((group) => ({ group, controllers: byDefault })),
      ...specs.map((s) => ({ group: s.group, controllers: s.controllers })),
    ];
    const results = [];
    for (const { group: name, controllers } of targets) {
      const existed = await Promise.all(layout.hierarchies.map(async (h) => (h.mountPoint ? (await ctx.fs.stat(`${h.mountPoint}/${name}`)) !== undefined : false)));
      const cg = await Cgroup.create(name, { layout, controllers, fs: ctx.fs });
      const created = !existed.some(Boolean);
      const owned = admin || tasks ? await cg.setOwners({ admin, tasks }) : [];
      results.push({ group: name, created, placements: describePlacement(cg), ...(admin || tasks ? { owners: { ...(admin ? { admin } : {}), ...(tasks ? { tasks } : {}) }, chowned: owned.length } : {}) });
      if (!ctx.json) {
        const owners = [admin && `admin ${admin.uid}:${admin.gid}`, tasks && `tasks ${tasks.uid}:${tasks.gid}`].filter(Boolean).join(", ");
        ctx.print(`${created ? "created" : "exists"} ${name}: ${cg.placements.map((p) => p.dir).join(" ")}${owners ? ` (owners: ${owners}; ${owned.length} paths)` : ""}`);
      }
    }
    if (ctx.json) ctx.printJson(results);
    return 0;
  },
};

/** @internal */
export const deleteVerb: Verb = {
  name: "delete",
  summary: "remove groups (like cgdelete)",
  usage: ["delete [-r] [--kill] GROUP…", "delete [-r] [--kill] -g CTRL[,CTRL]:PATH…"],
  description:
    "Removes each GROUP from every hierarchy that has it. A group with child groups needs -r; a group\n" +
    "with live processes is refused unless --kill, which kills them (and every descendant's) first.\n" +
    "-g memory:web (libcgroup's cgdelete form) removes web from the memory hierarchy and cgroup2 only.",
  syntax: {
    options: [
      groupSpecOption("delete"),
      { name: "recursive", short: "r", takes: "flag", help: "also remove child groups, bottom-up" },
      { name: "kill", takes: "flag", help: "kill live processes in the group and its children first" },
      DRIVER_OPTION,
    ],
    positionals: { min: 0, max: Infinity },
  },
  examples: [
    ["cgroupkit delete web", "an empty group without children"],
    ["cgroupkit delete -r --kill batch", "a whole subtree, killing what runs in it"],
    ["cgroupkit delete -g memory,pids:batch/job1", "as libcgroup's cgdelete types it"],
  ],
  async run(ctx: CliContext) {
    const names = ctx.args.positionals.map(groupArg);
    if ((await resolveDriver(ctx, names[0], "delete")) === "systemd") {
      if (hasGroupSpec(ctx.args)) throw new UsageError("-g is for the cgroupfs driver; with systemd, name the slice's group", "delete");
      return deleteSlices(ctx, names);
    }
    const layout = hasGroupSpec(ctx.args) ? await ctx.layout() : undefined;
    const specs = layout ? groupSpecs(ctx.args.values.get("cgroup") ?? [], layout, "delete") : [];
    const targets = [...ctx.args.positionals.map((group) => ({ group: groupArg(group), within: undefined })), ...specs.map((s) => ({ group: s.group, within: specHierarchies(layout!, s) }))];
    if (targets.length === 0) throw new UsageError("missing argument: give GROUP… or -g CONTROLLERS:PATH (e.g. -g memory:web)", "delete");
    const removed: string[] = [];
    for (const { group: name, within } of targets) {
      const cg = await ctx.openGroup(name, { within });
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
  usage: ["classify GROUP PID…", "classify -g CTRL[,CTRL]:PATH PID…"],
  description:
    "Moves each PID (all its threads) into GROUP in every hierarchy that has the group. With -g (libcgroup's\n" +
    "form) only in the hierarchies of those controllers, and cgroup2. --sticky and --cancel-sticky are\n" +
    "accepted and change nothing: no rules daemon runs to move processes behind cgroupkit's back.",
  syntax: {
    options: [
      groupSpecOption("classify"),
      { name: "sticky", takes: "flag", help: "accepted for cgclassify's habit; there is no rules daemon, so nothing moves them back" },
      { name: "cancel-sticky", takes: "flag", help: "accepted for cgclassify's habit; changes nothing" },
    ],
    positionals: { min: 1, max: Infinity },
  },
  examples: [
    ["cgroupkit classify web 1234 1235", "two processes into web"],
    ["cgroupkit classify -g memory,cpu:web 1234", "as libcgroup's cgclassify types it"],
  ],
  async run(ctx: CliContext) {
    let name: string;
    let within;
    let pidTexts: readonly string[];
    if (hasGroupSpec(ctx.args)) {
      const layout = await ctx.layout();
      const spec = singleGroupSpec(groupSpecs(ctx.args.values.get("cgroup") ?? [], layout, "classify"), "classify");
      [name, within, pidTexts] = [spec.group, specHierarchies(layout, spec), ctx.args.positionals];
    } else {
      const [groupText, ...rest] = ctx.args.positionals as [string, ...string[]];
      if (rest.length === 0) throw new UsageError("missing argument: expected GROUP PID… (or -g CONTROLLERS:PATH PID…)", "classify");
      [name, pidTexts] = [groupArg(groupText), rest];
    }
    const pids = pidTexts.map((t) => {
      const pid = /^\d+$/.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(pid) || pid <= 0) throw new UsageError(`${JSON.stringify(t)} is not a pid (a positive integer)`);
      return pid;
    });
    const cg = await ctx.openGroup(name, { within });
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
