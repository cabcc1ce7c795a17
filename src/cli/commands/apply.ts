// `apply`, `export` and `import-cgconfig`: declarative trees of groups, limits, device ACLs and owners.
import * as nodeFs from "node:fs";
import { Cgroup } from "../../cgroup/cgroup.js";
import { parseCgconfig } from "../../declarative/cgconfig.js";
import { parseTreeDocument, type TreeDocument } from "../../declarative/document.js";
import { exportTree, formatTreeDocument } from "../../declarative/export.js";
import { applyTree, formatPlan, planTree, type TreeTarget } from "../../declarative/plan.js";
import { optionValue } from "../args.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";
import { defaultControllers } from "./groups.js";

function readText(file: string): string {
  try {
    return file === "-" ? nodeFs.readFileSync(0, "utf8") : nodeFs.readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function loadDocument(file: string, fromCgconfig: boolean): Promise<TreeDocument> {
  const text = readText(file);
  const source = file === "-" ? "stdin" : file;
  return fromCgconfig ? parseCgconfig(text, source) : parseTreeDocument(text, source);
}

/** Where the document's groups go: the hierarchy roots, or an existing --parent in every hierarchy a new group is made in. */
async function targetOf(ctx: CliContext): Promise<TreeTarget> {
  const layout = await ctx.layout();
  const controllers = await defaultControllers(layout, ctx.fs);
  const parentText = optionValue(ctx.args, "parent");
  const parent = parentText === undefined ? undefined : groupArg(parentText);
  if (parent !== undefined) {
    const handle = await Cgroup.planned(parent, { layout, fs: ctx.fs, controllers });
    for (const p of handle.placements) if (!(await ctx.fs.stat(p.dir))?.isDirectory) throw new CliError(`--parent ${parent}: ${p.dir} does not exist; create it first (cgroupkit create ${parent})`);
  }
  return { layout, fs: ctx.fs, controllers, ...(parent !== undefined ? { parent } : {}) };
}

const DOCUMENT_FORMAT = [
  "The document (YAML, or JSON for a .json file):",
  "  version: 1",
  "  groups:",
  "    web:                       # a group; nested ones go under groups:",
  '      owner: "1000:1000"       # uid:gid, given the group as `Cgroup.delegate` does',
  "      memory: {max: 256M, swap: 0, low: 64M, swappiness: 10}   # high: v2 only; swappiness, oomKillDisable: v1 only",
  "      cpu: {weight: 200, quota: 50000, period: 100000, cpus: 0-1, mems: 0}   # or shares: 2048 (v1)",
  "      pids: {max: 100}",
  "      io: {weight: 100}        # or blkioWeight: 500 (v1)",
  '      hugetlb: {"2MB": 0}',
  "      devices: libvirt-lxc     # a preset (libvirt-lxc, container), or {default: deny, exceptions: [\"c 1:3 rwm\"]}",
  "      groups:",
  "        worker: {pids: {max: 10}}",
  "Limits are the ResourceLimits model: each is written to whichever version holds its controller, converted",
  "where the versions differ; sizes take K/M/G/T (base 1024) or a byte count; max means no limit.",
].join("\n");

/** @internal */
export const applyVerb: Verb = {
  name: "apply",
  summary: "make a tree of groups, limits, device ACLs and owners match a YAML/JSON file (or cgconfig.conf)",
  usage: ["apply [--dry-run] [--parent GROUP] FILE", "apply --from-cgconfig [--dry-run] [--parent GROUP] /etc/cgconfig.conf"],
  description:
    "Validates FILE, then prints the plan: the groups it will create and each file it will write, old value →\n" +
    "new value (chown and devices lines for owners and device ACLs). Only what differs is written, so a second\n" +
    "apply prints \"nothing to change\" and writes nothing. --dry-run stops after the plan. If a write fails,\n" +
    "everything already written is put back to its old value, owners and device ACLs are restored, and the\n" +
    "groups this apply created are removed. A bad document is refused naming the path in it and the value\n" +
    "(groups.web.memory.max: \"12X\" is not a size), before anything is written.\n" +
    "--from-cgconfig reads libcgroup's cgconfig.conf instead (see import-cgconfig). FILE - reads stdin.\n" +
    "Where devices are on cgroup2, a device ACL is an eBPF program that cannot be read back as rules: it is\n" +
    "attached again on every apply (the v1 devices.list is compared, and written only when it differs).\n" +
    "\n" +
    DOCUMENT_FORMAT,
  syntax: {
    options: [
      { name: "dry-run", short: "n", takes: "flag", help: "print the plan and write nothing" },
      { name: "parent", takes: "value", valueName: "GROUP", help: "an existing group the document's top-level groups go under (default: each hierarchy's root)" },
      { name: "from-cgconfig", takes: "flag", help: "FILE is libcgroup's cgconfig.conf" },
    ],
    positionals: { min: 1, max: 1 },
  },
  examples: [
    ["cgroupkit apply --dry-run tree.yaml", "show what would change, change nothing"],
    ["cgroupkit apply tree.yaml", "create the groups and write the limits that differ"],
    ["cgroupkit export web > web.yaml && cgroupkit apply --parent staging web.yaml", "copy a live subtree under another group"],
    ["cgroupkit apply --from-cgconfig /etc/cgconfig.conf", "apply libcgroup's configuration"],
  ],
  async run(ctx: CliContext) {
    const doc = await loadDocument(ctx.args.positionals[0] as string, ctx.args.flags.has("from-cgconfig"));
    const target = await targetOf(ctx);
    const plan = await planTree(doc, target);
    const dryRun = ctx.args.flags.has("dry-run");
    if (!ctx.json) {
      if (plan.changes.length === 0) ctx.print("nothing to change");
      else ctx.print(`plan:\n${formatPlan(plan).map((l) => `  ${l}`).join("\n")}`);
    }
    if (dryRun || plan.changes.length === 0) {
      if (ctx.json) ctx.printJson({ plan: plan.changes, applied: null });
      return 0;
    }
    const applied = await applyTree(doc, target);
    if (ctx.json) ctx.printJson({ plan: plan.changes, applied });
    else ctx.print(`applied: created ${applied.created.length} groups, wrote ${applied.written.length} files, ${applied.chowned.length} owner changes, ${applied.devices.length} device ACLs`);
    return 0;
  },
};

/** @internal */
export const exportVerb: Verb = {
  name: "export",
  summary: "print a live group and its descendants as an apply document (YAML, or JSON with --json)",
  usage: ["export [--json] GROUP"],
  description:
    "Reads GROUP's subtree (limits in the ResourceLimits model, the v1 device ACL as a preset name or a\n" +
    "policy, owners other than root) and prints it in the form apply reads. The top-level group is GROUP's\n" +
    "last name component, so `apply --parent P` makes P/NAME; export → apply → export prints the same text.\n" +
    "Left out: hugetlb limits, a cgroup2 device program (it cannot be read back as rules), v1 memory.low\n" +
    "while unset (max).",
  syntax: { options: [], positionals: { min: 1, max: 1 } },
  examples: [
    ["cgroupkit export web", "YAML on stdout"],
    ["cgroupkit export --json web > web.json", "JSON, for apply web.json"],
  ],
  async run(ctx: CliContext) {
    const name = groupArg(ctx.args.positionals[0] as string);
    const cg = await ctx.openGroup(name);
    const doc = await exportTree(cg, (child) => ctx.openGroup(child));
    ctx.print(await formatTreeDocument(doc, ctx.json ? "json" : "yaml"));
    return 0;
  },
};

/** @internal */
export const importCgconfigVerb: Verb = {
  name: "import-cgconfig",
  summary: "print libcgroup's cgconfig.conf as an apply document",
  usage: ["import-cgconfig [--json] FILE"],
  description:
    "Reads cgconfig.conf's group sections: perm { task { uid gid } admin { uid gid } } becomes owner (task\n" +
    "and admin must agree: cgroupkit has one owner), and controller blocks become limits: cpu.shares,\n" +
    "cpu.cfs_quota_us, cpu.cfs_period_us, cpu.weight, cpuset.cpus/mems, memory.limit_in_bytes,\n" +
    "memory.memsw.limit_in_bytes (memory + swap), memory.soft_limit_in_bytes, memory.swappiness,\n" +
    "memory.oom_control, the v2 memory.max/high/low/swap.max, pids.max, blkio.weight, io.weight, and\n" +
    "devices.allow/devices.deny (in order, from allow-all, as on a new group). Anything else (mount, default\n" +
    "and template sections, fperm/dperm/tperm, other parameters) is refused naming its line.\n" +
    "apply --from-cgconfig FILE applies it directly.",
  syntax: { options: [], positionals: { min: 1, max: 1 } },
  examples: [
    ["cgroupkit import-cgconfig /etc/cgconfig.conf > tree.yaml", "convert once, then apply tree.yaml"],
    ["cgroupkit import-cgconfig --json /etc/cgconfig.conf", "as JSON"],
  ],
  async run(ctx: CliContext) {
    const doc = await loadDocument(ctx.args.positionals[0] as string, true);
    ctx.print(await formatTreeDocument(doc, ctx.json ? "json" : "yaml"));
    return 0;
  },
};
