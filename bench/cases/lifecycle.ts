// Case 3: create + configure (memory limit, CPU weight) + remove N groups: cgroupkit vs raw
// mkdir/write/rmdir from Node vs libcgroup's tools.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { cpuWeightToShares } from "../../src/resources/conversions.js";
import { applyResources } from "../../src/resources/limits.js";
import { compare, type Contender } from "../harness.js";
import { libcgroupMissing, runTool } from "../tools.js";
import type { BenchContext, CaseResult, CaseRow, Skipped } from "../types.js";

const CONTROLLERS = ["memory", "cpu"] as const;
const MEMORY_MAX = 64n * 1024n * 1024n;
const CPU_WEIGHT = 50;

/** The files and values a configure step writes on this host, per version of each controller. */
interface Plan {
  /** Hierarchy mount points the group is placed in (cgroupkit's choice: the controllers' hierarchies plus cgroup2). */
  readonly mounts: readonly string[];
  readonly memoryFile: { readonly mount: string; readonly file: string; readonly value: string };
  readonly cpuFile: { readonly mount: string; readonly file: string; readonly value: string };
  /** libcgroup's controller list for cgcreate/cgdelete. */
  readonly libcgroupControllers: readonly string[];
}

function planFor(probe: Cgroup): Plan {
  const mem = probe.placement("memory")!;
  const cpu = probe.placement("cpu")!;
  const memoryFile = mem.hierarchy.version === "v1" ? { file: "memory.limit_in_bytes", value: String(MEMORY_MAX) } : { file: "memory.max", value: String(MEMORY_MAX) };
  const cpuFile = cpu.hierarchy.version === "v1" ? { file: "cpu.shares", value: String(cpuWeightToShares(CPU_WEIGHT)) } : { file: "cpu.weight", value: String(CPU_WEIGHT) };
  return {
    mounts: probe.placements.map((p) => p.mount.mountPoint),
    memoryFile: { mount: mem.mount.mountPoint, ...memoryFile },
    cpuFile: { mount: cpu.mount.mountPoint, ...cpuFile },
    libcgroupControllers: CONTROLLERS,
  };
}

export async function lifecycleCase(ctx: BenchContext): Promise<CaseResult> {
  const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
  // A process per step costs hundreds of ms per group: a small sample per round.
  const sample = ctx.quick ? 4 : 8;
  const layout = await readCgroupLayout();
  const parent = ctx.groups.name("lifecycle");
  const probe = await Cgroup.create(`${parent}/probe`, { controllers: CONTROLLERS, layout });
  const plan = planFor(probe);
  await probe.remove();
  const libSkip = libcgroupMissing(ctx.libcgroup, ["cgcreate", "cgset", "cgdelete"]);
  let serial = 0;
  const fresh = (n: number, tag: string) => Array.from({ length: n }, () => `${parent}/${tag}${serial++}`);
  const at = (mount: string, name: string) => `${mount}/${name}`;

  /** Read back what the configure step wrote, on one group: every contender must have done the same. */
  const verify = (name: string, who: string) => {
    const mem = fs.readFileSync(at(plan.memoryFile.mount, `${name}/${plan.memoryFile.file}`), "utf8").trim();
    const cpu = fs.readFileSync(at(plan.cpuFile.mount, `${name}/${plan.cpuFile.file}`), "utf8").trim();
    if (mem !== plan.memoryFile.value || cpu !== plan.cpuFile.value) throw new Error(`${who}: ${name} reads ${mem}, ${cpu}; expected ${plan.memoryFile.value}, ${plan.cpuFile.value}`);
  };
  const gone = (names: readonly string[], who: string) => {
    for (const m of plan.mounts) if (fs.existsSync(at(m, names.at(-1)!))) throw new Error(`${who}: ${names.at(-1)} was not removed in ${m}`);
  };

  const rows: CaseRow[] = [];
  for (const n of sizes) {
    const cgroupkit = (label: string, configure: (cg: Cgroup) => Promise<unknown>, options: { readLayoutPerCreate?: boolean } = {}): Contender => ({
      name: label,
      ops: n,
      vs: "raw fs.promises (mkdir/write/rmdir)",
      run: async () => {
        const names = fresh(n, "k");
        const handles: Cgroup[] = [];
        const createOptions = { controllers: CONTROLLERS, ...(options.readLayoutPerCreate ? {} : { layout }) };
        for (const name of names) handles.push(await Cgroup.create(name, createOptions));
        for (const cg of handles) await configure(cg);
        verify(names.at(-1)!, label);
        for (const cg of handles) await cg.remove();
        gone(names, label);
      },
    });
    const typedWrites = async (cg: Cgroup) => {
      if (cg.placement("memory")!.hierarchy.version === "v1") await cg.v1.memory!.limitInBytes.write(MEMORY_MAX);
      else await cg.requireV2("memory").max.write(MEMORY_MAX);
      if (cg.placement("cpu")!.hierarchy.version === "v1") await cg.v1.cpu!.shares.write(cpuWeightToShares(CPU_WEIGHT));
      else await cg.requireV2("cpu").weight.write(CPU_WEIGHT);
    };
    const contenders: Contender[] = [
      {
        name: "raw fs.promises (mkdir/write/rmdir)",
        ops: n,
        run: async () => {
          const names = fresh(n, "a");
          for (const name of names) for (const m of plan.mounts) await fsp.mkdir(at(m, name));
          for (const name of names) {
            await fsp.writeFile(at(plan.memoryFile.mount, `${name}/${plan.memoryFile.file}`), plan.memoryFile.value);
            await fsp.writeFile(at(plan.cpuFile.mount, `${name}/${plan.cpuFile.file}`), plan.cpuFile.value);
          }
          verify(names.at(-1)!, "raw fs.promises");
          for (const name of names) for (const m of plan.mounts) await fsp.rmdir(at(m, name));
          gone(names, "raw fs.promises");
        },
      },
      {
        name: "raw fs sync (mkdirSync/writeFileSync/rmdirSync)",
        ops: n,
        vs: "raw fs.promises (mkdir/write/rmdir)",
        run: () => {
          const names = fresh(n, "s");
          for (const name of names) for (const m of plan.mounts) fs.mkdirSync(at(m, name));
          for (const name of names) {
            fs.writeFileSync(at(plan.memoryFile.mount, `${name}/${plan.memoryFile.file}`), plan.memoryFile.value);
            fs.writeFileSync(at(plan.cpuFile.mount, `${name}/${plan.cpuFile.file}`), plan.cpuFile.value);
          }
          verify(names.at(-1)!, "raw fs sync");
          for (const name of names) for (const m of plan.mounts) fs.rmdirSync(at(m, name));
          gone(names, "raw fs sync");
        },
      },
      cgroupkit("cgroupkit: create + applyResources + remove", (cg) => applyResources(cg, { memory: { max: MEMORY_MAX }, cpu: { weight: CPU_WEIGHT } })),
      cgroupkit("cgroupkit: create + typed writes + remove", typedWrites),
    ];
    // Reading /proc/self/mountinfo per create costs the same at any N: measured at the smaller sizes only.
    if (n < 1000) contenders.push(cgroupkit("cgroupkit: same, layout read on every create", (cg) => applyResources(cg, { memory: { max: MEMORY_MAX }, cpu: { weight: CPU_WEIGHT } }), { readLayoutPerCreate: true }));
    const skipped: Skipped[] = [];
    if (libSkip) {
      skipped.push({ name: "libcgroup tools", reason: libSkip });
    } else {
      const tools = ctx.libcgroup.paths;
      const g = plan.libcgroupControllers.join(",");
      const setArgs = ["-r", `${plan.memoryFile.file}=${plan.memoryFile.value}`, "-r", `${plan.cpuFile.file}=${plan.cpuFile.value}`];
      // cgroup-tools 2.0.2 on a hybrid host removes only the first controller of `-g memory,cpu:G`: one cgdelete per controller.
      const deleteArgs = (names: readonly string[], controller: string) => names.flatMap((name) => ["-g", `${controller}:${name}`]);
      const sampled = Math.min(sample, n);
      let siblings: string[] = [];
      contenders.push({
        name: `libcgroup: a process per step per group (${sampled === n ? "all" : `${sampled} sampled of`} ${n})`,
        ops: sampled,
        vs: "raw fs.promises (mkdir/write/rmdir)",
        // The other groups exist meanwhile, as they would with N groups: made and removed untimed.
        before: () => {
          siblings = fresh(n - sampled, "p");
          for (const name of siblings) for (const m of plan.mounts) fs.mkdirSync(at(m, name));
        },
        run: () => {
          const names = fresh(sampled, "l");
          for (const name of names) runTool(tools.cgcreate!, ["-g", `${g}:${name}`]);
          for (const name of names) runTool(tools.cgset!, [...setArgs, name]);
          verify(names.at(-1)!, "libcgroup per step");
          for (const name of names) for (const c of plan.libcgroupControllers) runTool(tools.cgdelete!, deleteArgs([name], c));
          for (const name of names) for (const m of plan.mounts) if (fs.existsSync(at(m, name))) fs.rmdirSync(at(m, name)); // cgroup2 dir: libcgroup never made one here
          gone(names, "libcgroup per step");
        },
        after: () => {
          for (const name of siblings) for (const m of plan.mounts) fs.rmdirSync(at(m, name));
        },
      });
      contenders.push({
        name: "libcgroup: one process per step for all N",
        ops: n,
        vs: "raw fs.promises (mkdir/write/rmdir)",
        run: () => {
          const names = fresh(n, "b");
          runTool(tools.cgcreate!, names.flatMap((name) => ["-g", `${g}:${name}`]));
          runTool(tools.cgset!, [...setArgs, ...names]);
          verify(names.at(-1)!, "libcgroup batch");
          for (const c of plan.libcgroupControllers) runTool(tools.cgdelete!, deleteArgs(names, c));
          gone(names, "libcgroup batch");
        },
      });
    }
    const results = await compare(contenders, { rounds: ctx.quick ? 2 : n >= 1000 ? 2 : n >= 100 ? 5 : 7, warmup: n >= 1000 ? 0 : 1 });
    rows.push({ subject: `N = ${n} groups`, results, skipped });
    ctx.progress(`lifecycle N=${n}`);
  }
  return {
    id: "lifecycle",
    title: "3. Create + configure (memory limit, CPU weight) + remove N groups (per group; target ≤ 1.3× raw)",
    unit: "ms/group",
    target: { contenders: ["cgroupkit: create + applyResources + remove", "cgroupkit: create + typed writes + remove"], maxRatio: 1.3 },
    rows,
    notes: [
      `Each run creates N groups, then configures each (memory limit ${MEMORY_MAX} B, CPU weight ${CPU_WEIGHT} = ${plan.cpuFile.file} ${plan.cpuFile.value}), then removes each; one at a time, awaited. Every contender's result is read back on one group and its removal checked.`,
      `cgroupkit places a group in the controllers' hierarchies plus cgroup2 (${plan.mounts.join(", ")}); the raw contenders make exactly those directories. libcgroup makes only the controllers' v1 directories (${plan.libcgroupControllers.join(", ")}).`,
      "applyResources is transactional: per file it checks the file exists and reads the old value (to restore it if a later write fails) before writing. cg.remove() lists each directory and reads cgroup.procs (it refuses a group with live processes) before rmdir.",
      "At N = 1000 there are 2 timed rounds and no warm-up round (the smaller sizes warm up the code).",
      "libcgroup per step: cgcreate, cgset, and one cgdelete per controller (cgroup-tools 2.0.2 on this hybrid layout removes only the first controller of `-g memory,cpu:G`); the sampled groups are timed while the other N − sample groups exist.",
    ],
  };
}
