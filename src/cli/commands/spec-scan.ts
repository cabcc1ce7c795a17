// `spec scan`: compare the running kernel's control files with the spec — files it lacks, and
// files whose access (mode bits) or placement (root / non-root) differ. The maintainers' starting
// point for a new kernel.
import type { ManifestRecord } from "../../runtime/manifest.js";
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import { Cgroup } from "../../cgroup/cgroup.js";
import type { CgroupHierarchy } from "../../cgroup/mounts.js";
import { loadManifest } from "../control-files.js";
import { accessOfMode, compareSpecWithListing, whereOf, type ModeAccess } from "../spec-coverage.js";
import { groupArg, hierarchyLabel, layoutOf, type CliContext } from "../context.js";
import { table } from "../output.js";
import type { Verb } from "../verb.js";
import { defaultControllers } from "./groups.js";
import { parentGroup } from "./run.js";

type Access = ModeAccess;

export { accessOfMode } from "../spec-coverage.js";

/** One control file as the kernel shows it in one hierarchy. */
interface Seen {
  readonly hierarchy: CgroupHierarchy;
  readonly file: string;
  readonly access: Access;
  atRoot: boolean;
  inChild: boolean;
}

/** @internal */
export interface ScanFinding {
  readonly version: "v1" | "v2";
  /** The hierarchy (`memory`, `cpu,cpuacct`, `name=systemd`, `cgroup2`). */
  readonly hierarchy: string;
  readonly file: string;
  readonly kernel: { readonly access: Access; readonly where: "root" | "non-root" | "all" };
  /** The spec's entry, when there is one. */
  readonly spec?: { readonly access: string; readonly where: string; readonly file: string };
}

/** The spec entries that may name a file of a hierarchy: its version, and (v1) its controllers and core. */
function entriesFor(h: CgroupHierarchy): ManifestRecord[] {
  return loadManifest().filter((e) => e.version === h.version && (h.version === "v2" || e.controller === "core" || h.controllers.includes(e.controller)));
}

async function listFiles(ctx: CliContext, dir: string): Promise<string[]> {
  return (await ctx.fs.readdir(dir)).filter((e) => !e.isDirectory).map((e) => e.name);
}

/** @internal */
export const specScanVerb: Verb = {
  name: "spec scan",
  summary: "list control files of the running kernel that the spec lacks or describes differently",
  usage: ["spec scan [--parent GROUP]"],
  description:
    "Lists every mounted hierarchy's root, creates a short-lived probe group (cgroupkit-scan-<random>, under\n" +
    "--parent when given) to see the files of non-root groups, removes it, and compares both listings with\n" +
    "the spec: files it lacks, files whose access (the owner's mode bits) differs, files found below the\n" +
    "root that the spec places at the root only, and root files it places below only. cgroup2 shows a\n" +
    "controller's files in the probe only where the root already enables it; nothing is enabled for the scan.",
  syntax: { options: [{ name: "parent", takes: "value", valueName: "GROUP", help: "create the probe group under GROUP; default $CGROUPKIT_PARENT" }], positionals: { min: 0, max: 0 } },
  examples: [
    ["cgroupkit spec scan", "what this kernel has that the spec lacks"],
    ["cgroupkit spec scan --json > kernel-$(uname -r).json", "as JSON, for a spec update"],
  ],
  async run(ctx: CliContext) {
    const layout = await ctx.layout();
    const parent = parentGroup(ctx.args);
    const probeName = groupArg(`${parent === undefined ? "" : `${parent}/`}cgroupkit-scan-${randomBytes(4).toString("hex")}`);
    const hierarchies = layout.hierarchies.filter((h) => h.mountPoint !== undefined && h.root === "/");
    const seen = new Map<string, Seen>();
    const note = async (h: CgroupHierarchy, dir: string, atRoot: boolean) => {
      for (const file of await listFiles(ctx, dir)) {
        const key = `${hierarchyLabel(h)}\0${file}`;
        let s = seen.get(key);
        if (s === undefined) {
          const stat = await ctx.fs.stat(`${dir}/${file}`);
          s = { hierarchy: h, file, access: accessOfMode(stat?.mode ?? 0), atRoot: false, inChild: false };
          seen.set(key, s);
        }
        if (atRoot) s.atRoot = true;
        else s.inChild = true;
      }
    };
    for (const h of hierarchies) await note(h, h.mountPoint as string, true);

    const probe = await Cgroup.create(probeName, { layout: layoutOf(layout, hierarchies), controllers: await defaultControllers(layoutOf(layout, hierarchies), ctx.fs), fs: ctx.fs });
    try {
      for (const p of probe.placements) await note(p.hierarchy, p.dir, false);
    } finally {
      await probe.remove({ kill: true });
    }

    const missing: ScanFinding[] = [];
    const accessDiffers: ScanFinding[] = [];
    const whereDiffers: ScanFinding[] = [];
    const byHierarchy = new Map<CgroupHierarchy, { root: Map<string, Access>; child: Map<string, Access>; files: Map<string, Seen> }>();
    for (const s of seen.values()) {
      let listing = byHierarchy.get(s.hierarchy);
      if (listing === undefined) byHierarchy.set(s.hierarchy, (listing = { root: new Map(), child: new Map(), files: new Map() }));
      listing.files.set(s.file, s);
      if (s.atRoot) listing.root.set(s.file, s.access);
      if (s.inChild) listing.child.set(s.file, s.access);
    }
    for (const [h, listing] of byHierarchy) {
      const reported = new Set<string>();
      for (const f of compareSpecWithListing(entriesFor(h), { root: listing.root, below: [{ level: "child", files: listing.child }] }, { ambiguous: "first" })) {
        if (f.kind === "absent" || f.kind === "ambiguous") continue;
        const s = listing.files.get(f.file) as Seen;
        const where = whereOf(s.atRoot, s.inChild) as "root" | "non-root" | "all";
        const base = { version: h.version, hierarchy: hierarchyLabel(h), file: s.file, kernel: { access: s.access, where } } as const;
        if (f.kind === "unknown") {
          missing.push(base);
          continue;
        }
        const finding = { ...base, spec: { access: f.record.access, where: f.record.where, file: f.record.file } };
        // One access per file: the probe stats a file once, so root and child report the same.
        if (f.kind === "access" && !reported.has(f.file)) {
          reported.add(f.file);
          accessDiffers.push(finding);
        }
        // Only the unambiguous direction: a file missing from one listing may just be a controller the probe does not enable.
        if (f.kind === "where" && ((f.record.where === "root" && s.inChild) || (f.record.where === "non-root" && s.atRoot))) whereDiffers.push(finding);
      }
    }
    const byName = (a: ScanFinding, b: ScanFinding) => a.hierarchy.localeCompare(b.hierarchy) || a.file.localeCompare(b.file);
    missing.sort(byName);
    accessDiffers.sort(byName);
    whereDiffers.sort(byName);

    if (ctx.json) {
      ctx.printJson({ kernel: os.release(), layout: layout.kind, scanned: seen.size, missing, accessDiffers, whereDiffers });
      return 0;
    }
    ctx.print(`kernel ${os.release()} (${layout.kind}): ${seen.size} control files seen; ${missing.length} not in the spec, ${accessDiffers.length} with other access, ${whereDiffers.length} placed otherwise`);
    if (missing.length > 0) {
      ctx.print("\nnot in the spec:");
      ctx.print(table([["HIERARCHY", "FILE", "ACCESS", "WHERE"], ...missing.map((f) => [f.hierarchy, f.file, f.kernel.access, f.kernel.where])]));
    }
    if (accessDiffers.length > 0) {
      ctx.print("\naccess differs:");
      ctx.print(table([["HIERARCHY", "FILE", "KERNEL", "SPEC"], ...accessDiffers.map((f) => [f.hierarchy, f.file, f.kernel.access, f.spec?.access ?? ""])]));
    }
    if (whereDiffers.length > 0) {
      ctx.print("\nplacement differs:");
      ctx.print(table([["HIERARCHY", "FILE", "KERNEL", "SPEC"], ...whereDiffers.map((f) => [f.hierarchy, f.file, f.kernel.where, f.spec?.where ?? ""])]));
    }
    return 0;
  },
};
