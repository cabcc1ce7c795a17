// `ls` and `tree`: the groups under a point of the hierarchy, with memory, CPU and pids figures
// (and with `tree -p`, each group's processes and limits).
import { readFileSync } from "node:fs";
import { Cgroup } from "../../cgroup/cgroup.js";
import type { CgroupHierarchy } from "../../cgroup/mounts.js";
import { readUsage, usageSources, type UsageSnapshot, type UsageSources } from "../../resources/usage.js";
import { CgroupError } from "../../runtime/errors.js";
import { planSources, type SourcePlan } from "../../top/sources.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, groupArg, hierarchyLabel, layoutOf, type CliContext } from "../context.js";
import { humanBytes, humanMicros, table } from "../output.js";
import type { Verb } from "../verb.js";
import { ownerAlive, parseClaim, parseMarker, type RunOwner } from "./run-owner.js";

/** One group found by the walk. @internal */
export interface GroupNode {
  /** Full name; `""` is the hierarchy root. */
  readonly name: string;
  /** The hierarchies that have it (`memory`, `cpu,cpuacct`, `name=systemd`, `cgroup2`). */
  readonly hierarchies: string[];
  readonly usage?: UsageSnapshot;
  /** Set for a group `run` made (its children are run markers only): the owners, and whether all are gone. */
  readonly run?: { readonly owners: readonly number[]; readonly stale: boolean };
  /** The version each part of `usage` was read from. */
  readonly sources?: UsageSources;
  /** With `tree -p`: the group's processes (union across its hierarchies) and CPU limit. */
  readonly processes?: ReadonlyArray<{ readonly pid: number; readonly command: string }>;
  readonly cpuLimit?: { readonly quotaUsec: bigint | "max"; readonly periodUsec: bigint; readonly source: "v1" | "v2" };
}

/** Every group at and under `start` across the mounted hierarchies (root mounts only; `within`: only those), in name order. @internal */
export async function walk(ctx: CliContext, start: string, maxDepth: number, within?: (h: CgroupHierarchy) => boolean): Promise<Array<{ name: string; holding: CgroupHierarchy[] }>> {
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
    if (h.mountPoint === undefined || h.root !== "/" || (within && !within(h))) continue;
    const dir = start === "" ? h.mountPoint : `${h.mountPoint}/${start}`;
    const stat = await ctx.fs.stat(dir);
    if (stat?.isDirectory && !stat.isSymbolicLink) await visit(h, dir, start, 0);
  }
  if (holders.size === 0) throw new CliError(`no such group: ${start}`);
  return [...holders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, holding]) => ({ name, holding }));
}

/** The groups with their usage (the root has none: it is not a group the handle opens). @internal */
export async function collectGroups(ctx: CliContext, start: string, maxDepth: number, options: { readonly processes?: boolean } = {}): Promise<GroupNode[]> {
  const layout = await ctx.layout();
  const found = await walk(ctx, start, maxDepth);
  const runs = await runGroups(ctx, found.map((f) => f.name));
  const nodes = await Promise.all(
    found.map(async ({ name, holding }) => {
      const hierarchies = holding.map(hierarchyLabel);
      if (name === "") return { name, hierarchies };
      try {
        const cg = await Cgroup.open(name, { layout: layoutOf(layout, holding), fs: ctx.fs });
        const [usage, sources] = [await readUsage(cg), usageSources(cg)];
        if (!options.processes) return { name, hierarchies, usage, sources };
        return { name, hierarchies, usage, sources, processes: (await cg.procs()).map((pid) => ({ pid, command: commandOf(pid) })), cpuLimit: await cpuLimitOf(cg) };
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

/**
 * The groups claimed by runs that died before their marker leaf existed (see run-owner.ts), at and
 * under `start`: the claimed group's name for each claim whose owner is gone, deepest first.
 * @internal
 */
export async function staleClaims(ctx: CliContext, start: string): Promise<string[]> {
  const found = await walk(ctx, start, Infinity);
  const targets = new Set<string>();
  for (const { name } of found) {
    const slash = name.lastIndexOf("/");
    const claim = parseClaim(name.slice(slash + 1));
    if (claim && !(await ownerAlive(ctx.fs, claim))) targets.add(slash < 0 ? claim.basename : `${name.slice(0, slash)}/${claim.basename}`);
  }
  return [...targets].sort((a, b) => b.split("/").length - a.split("/").length);
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

/** A process's command line as ps shows it (`[kthreadd]` for a kernel thread); `?` once it has exited. */
function commandOf(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "").replaceAll("\0", " ");
    if (cmdline !== "") return cmdline;
    return `[${readFileSync(`/proc/${pid}/comm`, "utf8").trim()}]`;
  } catch {
    return "?";
  }
}

/** The CPU bandwidth limit, from whichever version holds the cpu controller. */
async function cpuLimitOf(cg: Cgroup): Promise<GroupNode["cpuLimit"]> {
  const version = cg.placement("cpu")?.hierarchy.version;
  // a group without the cpu controller enabled (cg.v2.cpu undefined) has no bandwidth limit of its own
  if (version === "v2" && cg.v2.cpu) {
    const max = await cg.v2.cpu.max.read();
    return { quotaUsec: max.quota, periodUsec: max.period, source: "v2" };
  }
  if (version === "v1" && cg.v1.cpu) {
    const [quota, period] = [await cg.v1.cpu.cfsQuotaUs.read(), await cg.v1.cpu.cfsPeriodUs.read()];
    return { quotaUsec: quota < 0n ? "max" : quota, periodUsec: period, source: "v1" };
  }
  return undefined;
}

/** `mem 64.0 MiB  pids 10  cpu 50%`: the limits that are set, each with its version where the group mixes them. */
function limitsText(node: GroupNode): string {
  const parts: string[] = [];
  const m = node.usage?.memory;
  if (m && m.max !== "max") parts.push(`mem ${humanBytes(m.max)}`);
  const p = node.usage?.pids;
  if (p && p.max !== "max") parts.push(`pids ${p.max}`);
  const c = node.cpuLimit;
  if (c && c.quotaUsec !== "max" && c.periodUsec > 0n) parts.push(`cpu ${Number((c.quotaUsec * 1000n) / c.periodUsec) / 10}%`);
  return parts.length > 0 ? parts.join(" ") : "-";
}

/** Memory, CPU and pids of a group; a figure from the version the listing's note does not name is marked `*`. */
function figures(node: GroupNode, plan: SourcePlan): string[] {
  const { usage, sources } = node;
  const mark = (text: string, part: "memory" | "cpu" | "pids") => (plan.marked(sources, part) ? `${text}*` : text);
  const memory = usage?.memory ? mark(humanBytes(usage.memory.current), "memory") : "-";
  const cpu = usage?.cpu ? mark(humanMicros(usage.cpu.usageUsec), "cpu") : "-";
  const pids = usage?.pids ? mark(String(usage.pids.current), "pids") : "-";
  return [memory, cpu, pids];
}

/** The listing's plan over the columns it shows, and the line that explains a `*` (none when no column mixes versions). */
function sourcesOf(nodes: readonly GroupNode[]): { plan: SourcePlan; note: string | undefined } {
  const plan = planSources(nodes.map((n) => (n.sources ? { memory: n.sources.memory, cpu: n.sources.cpu, pids: n.sources.pids } : undefined)));
  return { plan, note: plan.mixed.size > 0 ? `(${plan.note}: a figure marked * is read from the other version)` : undefined };
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
const PROCESSES_OPTION = { name: "processes", short: "p", takes: "flag", help: "show each group's processes (pid and command) and its limits" } as const;

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
      ctx.printJson(nodes.map((n) => ({ group: n.name === "" ? "/" : n.name, hierarchies: n.hierarchies, ...(n.usage ? { usage: n.usage, sources: n.sources } : {}), ...(n.run ? { run: n.run } : {}) })));
      return 0;
    }
    const { plan, note } = sourcesOf(nodes);
    const rows = [["GROUP", "MEMORY", "CPU", "PIDS", "HIERARCHIES"]];
    for (const n of nodes) rows.push([`/${n.name}${n.run ? (n.run.stale ? ` (stale run: owner ${n.run.owners.join(",")} gone; cgroupkit gc removes it)` : ` (run by pid ${n.run.owners.join(",")})`) : ""}`, ...figures(n, plan), n.hierarchies.join(" ")]);
    ctx.print(table(rows));
    if (note) ctx.print(note);
    return 0;
  },
};

/** @internal */
export const treeVerb: Verb = {
  name: "tree",
  summary: "show the group hierarchy as a tree with memory, CPU and pids figures (like systemd-cgls)",
  usage: ["tree [--depth N] [-p] [GROUP]"],
  description:
    "Draws GROUP (default: the roots) and its descendants as a tree, each with memory in use, CPU time and live pids.\n" +
    "With -p, each group also shows its limits (memory, pids, CPU bandwidth) and, under it, its processes\n" +
    "(pid and command line, as in every hierarchy that has the group).",
  syntax: { options: [DEPTH_OPTION, PROCESSES_OPTION], positionals: { min: 0, max: 1 } },
  examples: [
    ["cgroupkit tree", "the whole host"],
    ["cgroupkit tree -d 1 system.slice", "one level under system.slice"],
    ["cgroupkit tree -p machine.slice", "with processes and limits"],
  ],
  async run(ctx: CliContext) {
    const start = startArg(ctx);
    const withProcesses = ctx.args.flags.has("processes");
    const nodes = await collectGroups(ctx, start, depthArg(ctx), { processes: withProcesses });
    const tree = buildTree(nodes, start);
    if (ctx.json) {
      const toJson = (t: TreeNode): unknown => ({
        group: t.node.name === "" ? "/" : t.node.name,
        hierarchies: t.node.hierarchies,
        ...(t.node.usage ? { usage: t.node.usage, sources: t.node.sources } : {}),
        ...(t.node.processes ? { processes: t.node.processes } : {}),
        ...(t.node.cpuLimit ? { cpuLimit: t.node.cpuLimit } : {}),
        children: t.children.map(toJson),
      });
      ctx.printJson(toJson(tree));
      return 0;
    }
    const rows = [["GROUP", "MEMORY", "CPU", "PIDS", ...(withProcesses ? ["LIMITS"] : [])]];
    const { plan, note } = sourcesOf(nodes);
    const row = (label: string, node: GroupNode) => [label, ...figures(node, plan), ...(withProcesses ? [limitsText(node)] : [])];
    // A group's processes hang under it, before its child groups, as systemd-cgls draws them.
    // Kept out of the table, so a long command line never widens the GROUP column.
    const under = new Map<number, string[]>();
    const processes = (node: GroupNode, prefix: string, more: boolean) => {
      const lines = (node.processes ?? []).map((p) => `${prefix}${more ? "│ " : "  "}${p.pid} ${p.command}`);
      if (lines.length > 0) under.set(rows.length - 1, lines);
    };
    rows.push(row(tree.node.name === "" ? "/" : `/${tree.node.name}`, tree.node));
    processes(tree.node, "", tree.children.length > 0);
    const draw = (t: TreeNode, prefix: string) => {
      t.children.forEach((child, i) => {
        const last = i === t.children.length - 1;
        rows.push(row(`${prefix}${last ? "└─ " : "├─ "}${child.node.name.slice(child.node.name.lastIndexOf("/") + 1)}`, child.node));
        const inner = prefix + (last ? "   " : "│  ");
        processes(child.node, inner, child.children.length > 0);
        draw(child, inner);
      });
    };
    draw(tree, "");
    ctx.print(table(rows).split("\n").flatMap((line, i) => [line, ...(under.get(i) ?? [])]).join("\n"));
    if (note) ctx.print(note);
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
