// `ls` and `tree`: the groups under a point of the hierarchy, with memory, CPU and pids figures.
import { Cgroup } from "../../cgroup/cgroup.js";
import type { CgroupHierarchy } from "../../cgroup/mounts.js";
import { readUsage, type UsageSnapshot } from "../../resources/usage.js";
import { CgroupError } from "../../runtime/errors.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, groupArg, hierarchyLabel, layoutOf, type CliContext } from "../context.js";
import { humanBytes, humanMicros, table } from "../output.js";
import type { Verb } from "../verb.js";
import { ownerAlive, parseMarker, type RunOwner } from "./run-owner.js";

/** One group found by the walk. @internal */
export interface GroupNode {
  /** Full name; `""` is the hierarchy root. */
  readonly name: string;
  /** The hierarchies that have it (`memory`, `cpu,cpuacct`, `name=systemd`, `cgroup2`). */
  readonly hierarchies: string[];
  readonly usage?: UsageSnapshot;
  /** Set for a group `run` made (its children are run markers only): the owners, and whether all are gone. */
  readonly run?: { readonly owners: readonly number[]; readonly stale: boolean };
}

/** Every group at and under `start` across the mounted hierarchies (root mounts only), depth-first in name order. */
async function walk(ctx: CliContext, start: string, maxDepth: number): Promise<Array<{ name: string; holding: CgroupHierarchy[] }>> {
  const layout = await ctx.layout();
  const holders = new Map<string, CgroupHierarchy[]>();
  const visit = async (h: CgroupHierarchy, dir: string, name: string, depth: number): Promise<void> => {
    const list = holders.get(name) ?? [];
    list.push(h);
    holders.set(name, list);
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = await ctx.fs.readdir(dir);
    } catch (err) {
      if (err instanceof CgroupError && err.code === "ENOENT") return; // removed while we looked
      throw err;
    }
    for (const e of entries) if (e.isDirectory) await visit(h, `${dir}/${e.name}`, name === "" ? e.name : `${name}/${e.name}`, depth + 1);
  };
  for (const h of layout.hierarchies) {
    if (h.mountPoint === undefined || h.root !== "/") continue;
    const dir = start === "" ? h.mountPoint : `${h.mountPoint}/${start}`;
    const stat = await ctx.fs.stat(dir);
    if (stat?.isDirectory && !stat.isSymbolicLink) await visit(h, dir, start, 0);
  }
  if (holders.size === 0) throw new CliError(`no such group: ${start}`);
  return [...holders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, holding]) => ({ name, holding }));
}

/** The groups with their usage (the root has none: it is not a group the handle opens). @internal */
export async function collectGroups(ctx: CliContext, start: string, maxDepth: number): Promise<GroupNode[]> {
  const layout = await ctx.layout();
  const found = await walk(ctx, start, maxDepth);
  const runs = await runGroups(ctx, found.map((f) => f.name));
  const nodes = await Promise.all(
    found.map(async ({ name, holding }) => {
      const hierarchies = holding.map(hierarchyLabel);
      if (name === "") return { name, hierarchies };
      try {
        const cg = await Cgroup.open(name, { layout: layoutOf(layout, holding), fs: ctx.fs });
        return { name, hierarchies, usage: await readUsage(cg) };
      } catch (err) {
        if (err instanceof CgroupError && (err.code === "ENOENT" || err.code === "ERR_PARSE")) return { name, hierarchies }; // vanished or unreadable: list it bare
        throw err;
      }
    }),
  );
  return nodes.map((n) => (runs.has(n.name) ? { ...n, run: runs.get(n.name) } : n));
}

/** The stale run groups at and under `start`, deepest first (a run nested in another's leaf goes before it). @internal */
export async function staleRunGroups(ctx: CliContext, start: string): Promise<string[]> {
  const found = await walk(ctx, start, Infinity);
  const runs = await runGroups(ctx, found.map((f) => f.name));
  return [...runs].filter(([, r]) => r.stale).map(([name]) => name).sort((a, b) => b.split("/").length - a.split("/").length);
}

/** The run groups among the walked names (see run-owner.ts): every child a marker; stale when every owner is gone. */
async function runGroups(ctx: CliContext, names: readonly string[]): Promise<Map<string, { owners: number[]; stale: boolean }>> {
  const children = new Map<string, string[]>();
  for (const name of names) {
    const slash = name.lastIndexOf("/");
    if (slash < 0) continue;
    const parent = name.slice(0, slash);
    children.set(parent, [...(children.get(parent) ?? []), name.slice(slash + 1)]);
  }
  const out = new Map<string, { owners: number[]; stale: boolean }>();
  for (const [parent, leaves] of children) {
    const owners = leaves.map(parseMarker);
    if (owners.some((o) => o === undefined)) continue;
    const alive = await Promise.all(owners.map((o) => ownerAlive(ctx.fs, o as RunOwner)));
    out.set(parent, { owners: owners.map((o) => (o as RunOwner).pid), stale: !alive.some(Boolean) });
  }
  return out;
}

function figures(usage: UsageSnapshot | undefined): string[] {
  const memory = usage?.memory ? humanBytes(usage.memory.current) : "-";
  const cpu = usage?.cpu ? humanMicros(usage.cpu.usageUsec) : "-";
  const pids = usage?.pids ? String(usage.pids.current) : "-";
  return [memory, cpu, pids];
}

function depthArg(ctx: CliContext): number {
  const text = optionValue(ctx.args, "depth");
  if (text === undefined) return Infinity;
  if (!/^\d+$/.test(text)) throw new UsageError(`--depth ${JSON.stringify(text)}: expected a non-negative integer`);
  return Number(text);
}

function startArg(ctx: CliContext): string {
  const text = ctx.args.positionals[0];
  if (text === undefined || text === "/") return "";
  return groupArg(text);
}

const DEPTH_OPTION = { name: "depth", short: "d", takes: "value", valueName: "N", help: "descend at most N levels below GROUP" } as const;

/** @internal */
export const lsVerb: Verb = {
  name: "ls",
  summary: "list groups with memory, CPU and pids figures (like lscgroup)",
  usage: ["ls [--depth N] [GROUP]"],
  description:
    "Lists GROUP (default: the hierarchy roots) and every group under it, across all mounted hierarchies,\n" +
    "one line each: memory in use, CPU time used, live pids, and the hierarchies that have the group.\n" +
    "A group made by cgroupkit run says so: (run by pid N), or (stale run: owner N gone) when that run was\n" +
    "killed before it could clean up; cgroupkit gc removes those.",
  syntax: { options: [DEPTH_OPTION], positionals: { min: 0, max: 1 } },
  examples: [
    ["cgroupkit ls", "every group on the host"],
    ["cgroupkit ls --json machine.slice", "one subtree, as JSON"],
  ],
  async run(ctx: CliContext) {
    const nodes = await collectGroups(ctx, startArg(ctx), depthArg(ctx));
    if (ctx.json) {
      ctx.printJson(nodes.map((n) => ({ group: n.name === "" ? "/" : n.name, hierarchies: n.hierarchies, ...(n.usage ? { usage: n.usage } : {}), ...(n.run ? { run: n.run } : {}) })));
      return 0;
    }
    const rows = [["GROUP", "MEMORY", "CPU", "PIDS", "HIERARCHIES"]];
    for (const n of nodes) rows.push([`/${n.name}${n.run ? (n.run.stale ? ` (stale run: owner ${n.run.owners.join(",")} gone; cgroupkit gc removes it)` : ` (run by pid ${n.run.owners.join(",")})`) : ""}`, ...figures(n.usage), n.hierarchies.join(" ")]);
    ctx.print(table(rows));
    return 0;
  },
};

/** @internal */
export const treeVerb: Verb = {
  name: "tree",
  summary: "show the group hierarchy as a tree with memory, CPU and pids figures (like systemd-cgls)",
  usage: ["tree [--depth N] [GROUP]"],
  description: "Draws GROUP (default: the roots) and its descendants as a tree, each with memory in use, CPU time and live pids.",
  syntax: { options: [DEPTH_OPTION], positionals: { min: 0, max: 1 } },
  examples: [
    ["cgroupkit tree", "the whole host"],
    ["cgroupkit tree -d 1 system.slice", "one level under system.slice"],
  ],
  async run(ctx: CliContext) {
    const start = startArg(ctx);
    const nodes = await collectGroups(ctx, start, depthArg(ctx));
    const tree = buildTree(nodes, start);
    if (ctx.json) {
      const toJson = (t: TreeNode): unknown => ({ group: t.node.name === "" ? "/" : t.node.name, hierarchies: t.node.hierarchies, ...(t.node.usage ? { usage: t.node.usage } : {}), children: t.children.map(toJson) });
      ctx.printJson(toJson(tree));
      return 0;
    }
    const rows = [["GROUP", "MEMORY", "CPU", "PIDS"]];
    rows.push([tree.node.name === "" ? "/" : `/${tree.node.name}`, ...figures(tree.node.usage)]);
    const draw = (t: TreeNode, prefix: string) => {
      t.children.forEach((child, i) => {
        const last = i === t.children.length - 1;
        rows.push([`${prefix}${last ? "└─ " : "├─ "}${child.node.name.slice(child.node.name.lastIndexOf("/") + 1)}`, ...figures(child.node.usage)]);
        draw(child, prefix + (last ? "   " : "│  "));
      });
    };
    draw(tree, "");
    ctx.print(table(rows));
    return 0;
  },
};

interface TreeNode {
  readonly node: GroupNode;
  readonly children: TreeNode[];
}

/** Nest the walk's nodes (sorted by name) under `start`. */
function buildTree(nodes: readonly GroupNode[], start: string): TreeNode {
  const byName = new Map<string, TreeNode>();
  for (const node of nodes) byName.set(node.name, { node, children: [] });
  const top = byName.get(start);
  if (top === undefined) throw new CliError(`no such group: ${start}`);
  for (const node of nodes) {
    if (node.name === start) continue;
    const slash = node.name.lastIndexOf("/");
    byName.get(slash < 0 ? "" : node.name.slice(0, slash))?.children.push(byName.get(node.name) as TreeNode);
  }
  return top;
}
