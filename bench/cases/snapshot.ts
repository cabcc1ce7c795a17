// Case 2: typed usage snapshots (memory, cpu, pids) of N groups in-process vs cgget reading the
// same files of the same groups in one process.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { readUsage } from "../../src/resources/usage.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { compare, type Contender } from "../harness.js";
import { syncCgroupFs } from "../proposed-fs.js";
import { libcgroupMissing, runTool } from "../tools.js";
import type { BenchContext, CaseResult, CaseRow, Skipped } from "../types.js";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"];

/** A CgroupFs that records every file read, to learn exactly what a snapshot reads. */
function recordingFs(reads: string[]): CgroupFs {
  return Object.assign(Object.create(nodeCgroupFs) as CgroupFs, {
    readFile: (p: string) => {
      reads.push(p);
      return nodeCgroupFs.readFile(p);
    },
  });
}

/** The layout without its cgroup2 hierarchy: handles placed on the v1 hierarchies only. */
function v1Only(layout: CgroupLayout): CgroupLayout {
  return { ...layout, kind: "v1", v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") };
}

export async function snapshotCase(ctx: BenchContext): Promise<CaseResult> {
  const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
  const layout = await readCgroupLayout();
  const cggetSkip = libcgroupMissing(ctx.libcgroup, ["cgget"]);
  const rows: CaseRow[] = [];
  const notes: string[] = [];
  const parent = ctx.groups.name("snapshot");
  let created = 0;
  const handles: Cgroup[] = [];
  const handlesV1: Cgroup[] = [];
  const handlesProposed: Cgroup[] = [];
  try {
    for (const n of sizes) {
      for (; created < n; created++) {
        const name = `${parent}/s${String(created).padStart(4, "0")}`;
        handles.push(await Cgroup.create(name, { controllers: CONTROLLERS, layout }));
        handlesV1.push(await Cgroup.open(name, { controllers: CONTROLLERS, layout: v1Only(layout) }));
        handlesProposed.push(await Cgroup.open(name, { controllers: CONTROLLERS, layout: v1Only(layout), fs: syncCgroupFs }));
      }
      const groups = handles.slice(0, n);
      const groupsV1 = handlesV1.slice(0, n);
      const groupsProposed = handlesProposed.slice(0, n);

      // Exactly which files each snapshot reads, learned from one group.
      const fullReads: string[] = [];
      const v1Reads: string[] = [];
      await readUsage(await Cgroup.open(groups[0]!.name, { controllers: CONTROLLERS, layout, fs: recordingFs(fullReads) }));
      await readUsage(await Cgroup.open(groups[0]!.name, { controllers: CONTROLLERS, layout: v1Only(layout), fs: recordingFs(v1Reads) }));
      // Each read as (hierarchy mount, file name), to find the same file in every other group.
      const located = (reads: string[], g: Cgroup) =>
        reads.map((p) => {
          const placement = g.placements.find((pl) => p.startsWith(`${pl.dir}/`));
          if (!placement) throw new Error(`snapshot: ${p} is outside ${g.name}`);
          return { mount: placement.mount.mountPoint, version: placement.hierarchy.version, file: path.basename(p) };
        });
      const fullFiles = located(fullReads, groups[0]!);
      const v1Files = located(v1Reads, groupsV1[0]!);
      const v1Paths = groupsV1.flatMap((g) => v1Files.map((f) => `${g.placements.find((pl) => pl.mount.mountPoint === f.mount)!.dir}/${f.file}`));
      if (new Set(v1Paths).size !== n * v1Reads.length || !v1Paths.every((p) => fs.existsSync(p))) throw new Error("snapshot: could not map the file list onto every group");

      const contenders: Contender[] = [
        { name: `readUsage, v1 handles (${v1Files.length} files/group)`, ops: n * v1Files.length, vs: "cgget, one process", run: async () => void (await Promise.all(groupsV1.map(readUsage))) },
        { name: `readUsage, v1 handles, proposed fs`, ops: n * v1Files.length, vs: "cgget, one process", run: async () => void (await Promise.all(groupsProposed.map(readUsage))) },
        { name: "raw fs.readFileSync, same files", ops: v1Paths.length, vs: "cgget, one process", run: () => void v1Paths.forEach((p) => fs.readFileSync(p, "utf8")) },
        { name: "raw fs.promises.readFile, same files, concurrent", ops: v1Paths.length, vs: "cgget, one process", run: async () => void (await Promise.all(v1Paths.map((p) => fsp.readFile(p, "utf8")))) },
      ];
      // The full handles read the same v1 files plus three PSI files; at N = 1000 they are left out to keep the case short.
      if (n < 1000) contenders.splice(1, 0, { name: `readUsage, full handles (${fullFiles.length} files/group)`, ops: n * fullFiles.length, vs: "cgget, one process", run: async () => void (await Promise.all(groups.map(readUsage))) });
      const skipped: Skipped[] = [];
      if (cggetSkip) {
        skipped.push({ name: "cgget, one process", reason: cggetSkip });
        for (const c of contenders) Object.assign(c, { vs: undefined });
      } else {
        const args = ["-n", "-v", ...v1Files.flatMap((f) => ["-r", f.file]), ...groupsV1.map((g) => g.name)];
        const check = runTool(ctx.libcgroup.paths.cgget!, args);
        if (check.stderr.trim() !== "") throw new Error(`cgget: ${check.stderr.trim().slice(0, 300)}`);
        contenders.push({ name: "cgget, one process", ops: n * v1Files.length, run: () => void runTool(ctx.libcgroup.paths.cgget!, args) });
      }
      const results = await compare(contenders, { rounds: ctx.quick ? 3 : n >= 1000 ? 3 : 9, warmup: n >= 1000 ? 0 : 1 });
      rows.push({
        subject: `N = ${n} groups`,
        results,
        skipped,
        facts: {
          "files/group (full handle)": fullFiles.map((f) => `${f.file}${f.version === "v2" ? " (cgroup2)" : ""}`).join(", "),
          "files/group (v1 handle, = cgget's list)": v1Files.map((f) => f.file).join(", "),
        },
      });
      ctx.progress(`snapshot N=${n}`);
    }
  } finally {
    if (created > 0) await (await Cgroup.open(parent, { controllers: CONTROLLERS, layout })).remove(); // recursive
  }
  notes.push(
    "Times are per file read (ops = groups × files); files/s = 1 / that. A ratio below 1 means more files per second than cgget.",
    "Handles are opened once, outside the timing (a monitoring agent keeps them); readUsage runs for all N groups concurrently.",
    "`v1 handles` are opened on the v1 hierarchies only, so they read exactly the files cgget is given. `full handles` also place the group on cgroup2, where readUsage adds the PSI files (cpu/memory/io.pressure); cgget cannot read those here (it answers exit 96 for a cgroup2-only file on a hybrid host).",
    "readUsage also stats pids.current before reading pids (not counted as a file).",
    "`proposed fs`: the same readUsage over bench/proposed-fs.ts (synchronous syscalls under the async API, one-call utf8 reads); see case 1.",
  );
  return { id: "snapshot", title: "2. Usage snapshot of N groups: readUsage vs cgget (per file read; target: at least cgget's files/s)", unit: "µs/file", throughputUnit: "files/s", target: { contenders: ["readUsage, v1 handles (*", "readUsage, full handles*"], maxRatio: 1 }, rows, notes };
}
