// Case 2: typed usage snapshots (memory, cpu, pids) of N groups in-process vs cgget reading the
// same files of the same groups in one process.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { openUsageSnapshot, readUsage, type UsageSnapshotReader } from "../../src/resources/usage.js";
import { openSnapshot, type Snapshot, type SnapshotFiles } from "../../src/runtime/snapshot.js";
import { ReadableFile } from "../../src/runtime/accessor.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";
import { compare, type Contender } from "../harness.js";
import { libcgroupMissing, runTool } from "../tools.js";
import type { BenchContext, CaseResult, CaseRow, Skipped } from "../types.js";

const CONTROLLERS = ["memory", "cpu", "cpuacct", "pids"] as const;

/** A CgroupFs that records every file read, to learn exactly what a snapshot reads. */
function recordingFs(reads: string[]): CgroupFs {
  // Not a NodeCgroupFs (the snapshot reader then reads by path through it, so every read is seen).
  const inner = nodeCgroupFs;
  return {
    readFile: (p) => (reads.push(p), inner.readFile(p)),
    readFileSync: (p) => (reads.push(p), inner.readFileSync(p)),
    writeFile: (p, d) => inner.writeFile(p, d),
    writeFileSync: (p, d) => inner.writeFileSync(p, d),
    mkdir: (p) => inner.mkdir(p),
    rmdir: (p) => inner.rmdir(p),
    readdir: (p) => inner.readdir(p),
    stat: (p) => inner.stat(p),
    chown: (p, u, g) => inner.chown(p, u, g),
  };
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
  const open: Array<{ close(): void }> = [];
  try {
    for (const n of sizes) {
      for (; created < n; created++) {
        const name = `${parent}/s${String(created).padStart(4, "0")}`;
        handles.push(await Cgroup.create(name, { controllers: CONTROLLERS, layout }));
        handlesV1.push(await Cgroup.open(name, { controllers: CONTROLLERS, layout: v1Only(layout) }));
      }
      const groups = handles.slice(0, n);
      const groupsV1 = handlesV1.slice(0, n);

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
      if (v1Reads.length === 0 || new Set(v1Paths).size !== n * v1Reads.length || !v1Paths.every((p) => fs.existsSync(p))) throw new Error("snapshot: could not map the file list onto every group");

      // The snapshot reader, opened once outside the timing (a monitor keeps it open), and the physical
      // limit: a bare pread loop over descriptors of the same files, opened the same way.
      open.forEach((o) => o.close());
      open.length = 0;
      const usageSnap: UsageSnapshotReader = await openUsageSnapshot(groupsV1);
      open.push(usageSnap);
      const fileOf = (g: Cgroup, f: (typeof v1Files)[number]) => new ReadableFile(`${g.placements.find((pl) => pl.mount.mountPoint === f.mount)!.dir}`, f.file, { file: f.file, version: "v1", controller: "", access: "ro", where: "all", codec: "text" }, nodeCgroupFs, { name: "text", parse: (t: string) => t, format: () => "" });
      // Generic openSnapshot of the same files, each parsed by its spec codec through the group's own accessor.
      const typedFiles = (g: Cgroup): SnapshotFiles => Object.fromEntries(v1Files.map((f, i) => [String(i), specFile(g, f.file) ?? fileOf(g, f)]));
      // One descriptor per file per reader: at N = 1000 (11,000 files) the generic reader is left out and the
      // raw loop preads the files of the first 500 groups, to stay under the process's file limit (20,000 here).
      const generic: Snapshot<Cgroup, SnapshotFiles> | undefined = n < 1000 ? await openSnapshot(groupsV1, typedFiles) : undefined;
      if (generic) open.push(generic);
      const rawPaths = n < 1000 ? v1Paths : v1Paths.slice(0, 500 * v1Files.length);
      const fds = rawPaths.map((p) => fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW));
      open.push({ close: () => fds.forEach((fd) => fs.closeSync(fd)) });
      const buf = Buffer.allocUnsafe(16 * 1024);
      const first = await usageSnap.refresh();
      if (first.cost.files !== v1Paths.length || first.groups.some((g) => g.gone || g.error)) throw new Error(`snapshot: the usage reader read ${first.cost.files} files, expected ${v1Paths.length}`);
      const RAW = "raw pread loop, same open fds";
      const contenders: Contender[] = [
        { name: `openUsageSnapshot().refresh() (${v1Files.length} files/group)`, ops: n * v1Files.length, vs: "cgget, one process", run: async () => void (await usageSnap.refresh()) },
        { name: "snapshot reader: openUsageSnapshot().refresh(), vs the pread floor", ops: n * v1Files.length, vs: RAW, run: async () => void (await usageSnap.refresh()) },
        ...(generic ? [{ name: "snapshot reader: openSnapshot().refresh() (parse only, no usage assembly)", ops: n * v1Files.length, vs: RAW, run: async () => void (await generic.refresh()) }] : []),
        { name: RAW, ops: rawPaths.length, run: () => void fds.forEach((fd) => fs.readSync(fd, buf, 0, buf.length, 0)) },
        { name: `readUsage, v1 handles (${v1Files.length} files/group; opens and closes each file)`, ops: n * v1Files.length, vs: "cgget, one process", run: async () => void (await Promise.all(groupsV1.map(readUsage))) },
        { name: "raw fs.readFileSync, same files", ops: v1Paths.length, vs: "cgget, one process", run: () => void v1Paths.forEach((p) => fs.readFileSync(p, "utf8")) },
        // 11,000 concurrent opens beside the readers' descriptors would pass the file limit at N = 1000.
        ...(n < 1000 ? [{ name: "raw fs.promises.readFile, same files, concurrent", ops: v1Paths.length, vs: "cgget, one process", run: async () => void (await Promise.all(v1Paths.map((p) => fsp.readFile(p, "utf8")))) }] : []),
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
    open.forEach((o) => o.close());
    if (created > 0) await (await Cgroup.open(parent, { controllers: CONTROLLERS, layout })).remove(); // recursive
  }
  notes.push(
    "Times are per file read (ops = groups × files); files/s = 1 / that. A ratio below 1 means more files per second than cgget.",
    "At N = 1000 the raw pread loop reads the files of the first 500 groups (a per-file figure; one descriptor per file per reader would pass the file limit), and the generic openSnapshot row is left out. The snapshot reader (openUsageSnapshot) is opened once, outside the timing, as a monitor keeps it: each refresh is one pread(2) per file at offset 0, the parse by each file's codec, and the usage objects. The raw loop preads the same files through descriptors opened the same way and does nothing with the bytes: the physical limit. readUsage opens, reads and closes every file (a one-shot snapshot of the same reader); it runs for all N groups concurrently.",
    "`v1 handles` are opened on the v1 hierarchies only, so they read exactly the files cgget is given. `full handles` also place the group on cgroup2, where readUsage adds the PSI files (cpu/memory/io.pressure); cgget cannot read those here (it answers exit 96 for a cgroup2-only file on a hybrid host).",
  );
  return { id: "snapshot", title: "2. Usage snapshot of N groups: the snapshot reader vs a raw pread loop and vs cgget (per file read; targets ≤ 1.3× the pread loop, ≤ 0.3× cgget)", unit: "µs/file", throughputUnit: "files/s", targets: [
      { contenders: ["openUsageSnapshot().refresh() (*"], maxRatio: 0.3 },
      { contenders: ["snapshot reader: openUsageSnapshot*"], maxRatio: 1.3 },
    ], rows, notes };
}

/** The group's generated accessor of a v1 file by its name (cgroup v1 usage files), typed by the spec codec. */
function specFile(g: Cgroup, file: string): ReadableFile<unknown> | undefined {
  const [controller] = file.split(".");
  const accessors = (g.v1 as unknown as Record<string, Record<string, unknown> | undefined>)[controller === "cpuacct" ? "cpuacct" : controller!];
  if (!accessors) return undefined;
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(accessors))) {
    const value = key === "constructor" ? undefined : accessors[key];
    if (value instanceof ReadableFile && value.name === file) return value;
  }
  return undefined;
}
