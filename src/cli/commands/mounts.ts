// `cgroupkit mounts`: the hierarchies this process sees, and the layout they make.
import type { CgroupHierarchy } from "../../cgroup/mounts.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import type { Verb } from "../verb.js";

function controllersOf(h: CgroupHierarchy): string {
  if (h.version === "v1") return [...h.controllers, ...(h.name !== undefined ? [`name=${h.name}`] : [])].join(",") || "-";
  return h.controllers.length > 0 ? h.controllers.join(",") : "-";
}

/** @internal */
export const mountsVerb: Verb = {
  name: "mounts",
  summary: "show the mounted cgroup hierarchies and the layout (v1, v2 or hybrid)",
  usage: ["mounts [--json]"],
  description:
    "Reads /proc/self/mountinfo and /proc/self/cgroup. One line per hierarchy: version, the controllers it\n" +
    "holds (cgroup2: those usable there, i.e. not bound to a v1 hierarchy), where it is mounted, and this\n" +
    "process's group in it. Hybrid means v1 hierarchies plus a cgroup2 mount.",
  syntax: { options: [], positionals: { min: 0, max: 0 } },
  examples: [
    ["cgroupkit mounts", "the layout and every hierarchy"],
    ["cgroupkit mounts --json | jq -r .kind", "just the layout kind"],
  ],
  async run(ctx: CliContext) {
    const layout = await ctx.layout();
    const mounted = layout.hierarchies.filter((h) => h.mountPoint !== undefined);
    if (ctx.json) {
      ctx.printJson({
        kind: layout.kind,
        hierarchies: layout.hierarchies.map((h) => ({
          version: h.version,
          controllers: h.controllers,
          ...(h.version === "v1" ? { name: h.name } : { available: h.available, heldByV1: h.heldByV1 }),
          mountPoint: h.mountPoint,
          mountPoints: h.mountPoints,
          root: h.root,
          path: h.path,
        })),
      });
      return 0;
    }
    const rows = [["VERSION", "CONTROLLERS", "MOUNT", "ROOT", "THIS PROCESS"]];
    for (const h of mounted) rows.push([h.version, controllersOf(h), h.mountPoints.join(" "), h.root ?? "-", h.path ?? "-"]);
    ctx.print(`layout: ${layout.kind}`);
    ctx.print(table(rows));
    const v2 = layout.v2;
    if (v2?.mountPoint !== undefined && v2.heldByV1.length > 0) ctx.print(`cgroup2 controllers held by v1 hierarchies: ${v2.heldByV1.join(",")}`);
    const unmounted = layout.hierarchies.filter((h) => h.mountPoint === undefined);
    for (const h of unmounted) ctx.print(`not mounted: ${h.version} ${controllersOf(h)}`);
    return 0;
  },
};
