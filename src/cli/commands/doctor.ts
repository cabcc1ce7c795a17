// `cgroupkit doctor`: what this host and this caller allow, what `run` would do here, and the exact
// fix for each missing piece. Every probe is fenced: an unusual host gives a report, never a crash.
import { hierarchyFor, readCgroupLayout, type CgroupHierarchy, type CgroupLayout } from "../../cgroup/mounts.js";
import { chooseDriver, isWithinGroup, judgeDelegation, readHostInfo, type HostInfo } from "../../cgroup/host.js";
import { hierarchyPathComponents } from "../../cgroup/names.js";
import { CAP, callerIds, hasCapability, readProcessPrivilege, writableBy, type ProcessPrivilege } from "../../cgroup/privilege.js";
import { dirUnderMount, ownPlacements, type OwnPlacement } from "../../cgroup/self.js";
import { devicePrivilegeProblem } from "../../devices/privilege.js";
import { userDelegateFix } from "../../systemd/user.js";
import { CgroupError } from "../../runtime/errors.js";
import type { CgroupFs, CgroupStat } from "../../runtime/fs.js";
import type { CliContext } from "../context.js";
import { hierarchyLabel } from "../context.js";
import type { Verb } from "../verb.js";

/** The controllers `run` places a command under, as the cgroupfs driver chooses them. */
const RUN_LIMITS = ["memory", "cpu", "pids"] as const;

/** One missing piece and the command that supplies it. @internal */
export interface DoctorFix {
  readonly problem: string;
  readonly fix: string;
}

/** What `cgroupkit doctor --json` prints. @internal */
export interface DoctorReport {
  readonly layout: { readonly kind: CgroupLayout["kind"] | "unreadable"; readonly error?: string; readonly hierarchies: ReadonlyArray<{ readonly hierarchy: string; readonly mountPoint?: string; readonly root?: string; readonly controllers: readonly string[] }> };
  readonly systemd: { readonly pid1: boolean; readonly pid1Name?: string };
  readonly caller: { readonly uid: number; readonly initUserNamespace?: boolean; readonly capabilities: Readonly<Record<"CAP_SYS_ADMIN" | "CAP_BPF" | "CAP_NET_ADMIN", boolean | "unknown">> };
  readonly ownGroups: ReadonlyArray<{ readonly hierarchy: string; readonly path: string; readonly dir: string }>;
  readonly delegation: { readonly delegated: boolean; readonly reason: string; readonly root?: string; readonly internalProcesses?: boolean };
  readonly controllers: {
    /** cgroup2: those the root offers, those that reach this process's group (its cgroup.controllers), and where each missing one stops. */
    readonly v2?: { readonly available: readonly string[]; readonly reachOwnGroup: readonly string[]; readonly stops: Readonly<Record<string, string>> };
    /** v1: each controller's hierarchy mount. */
    readonly v1: Readonly<Record<string, string>>;
  };
  readonly devices: { readonly mechanism: "v1" | "ebpf" | "none"; readonly usable: boolean; readonly reason: string };
  readonly run: { readonly driver: "cgroupfs" | "systemd" | "none"; readonly parent: string; readonly enforceable: Readonly<Record<string, boolean>>; readonly notes: readonly string[] };
  readonly fixes: readonly DoctorFix[];
}

async function fenced<T>(fallback: T, probe: () => Promise<T>): Promise<T> {
  try {
    return await probe();
  } catch (err) {
    if (err instanceof CgroupError) return fallback;
    throw err;
  }
}

const statOf = (fs: CgroupFs, p: string) => fs.stat(p).catch((): CgroupStat | undefined => undefined);
const words = async (fs: CgroupFs, p: string) => (await fs.readFile(p).catch(() => "")).split(/\s+/).filter(Boolean);
const join = (dir: string, name: string) => `${dir.replace(/\/+$/, "")}/${name}`;

/** The directory of a hierarchy path under the hierarchy's preferred mount, when that mount shows it. */
function dirOf(h: CgroupHierarchy, hierarchyPath: string): string | undefined {
  return h.mountPoint === undefined || h.root === undefined ? undefined : dirUnderMount({ mountPoint: h.mountPoint, root: h.root, readOnly: false }, hierarchyPath);
}

/** Topmost ancestor of `own` (itself included) whose directory and delegation files the caller owns. */
async function delegationRoot(fs: CgroupFs, h: CgroupHierarchy, own: string, uid: number, files: readonly string[]): Promise<string | undefined> {
  const parts = hierarchyPathComponents(own) ?? [];
  let found: string | undefined;
  for (let n = parts.length; n >= 1; n--) {
    const p = `/${parts.slice(0, n).join("/")}`;
    const dir = dirOf(h, p);
    const stat = dir && (await statOf(fs, dir));
    if (!stat || stat.uid !== uid) break;
    let owned = true;
    for (const f of files) {
      const s = await statOf(fs, join(dir, f));
      if (s && s.uid !== uid) owned = false;
    }
    if (!owned) break;
    found = p;
  }
  return found;
}

/** Build the report. Reads only; changes nothing. @internal */
export async function diagnose(fs: CgroupFs, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const fixes: DoctorFix[] = [];
  let layout: CgroupLayout | undefined;
  let layoutError: string | undefined;
  try {
    layout = await readCgroupLayout({ fs });
  } catch (err) {
    if (!(err instanceof CgroupError)) throw err;
    layoutError = err.message;
  }
  const privilege: ProcessPrivilege = await readProcessPrivilege(fs);
  const uid = privilege.euid >= 0 ? privilege.euid : callerIds().euid;
  const host: HostInfo | undefined = layout && (await fenced(undefined, () => readHostInfo({ fs, layout, uid })));
  const pid1Name = (await fs.readFile("/proc/1/comm").catch(() => undefined))?.trim();
  const systemd = host?.systemd ?? false;
  const cap = (n: number) => hasCapability(privilege, n) ?? "unknown";

  const hierarchies = (layout?.hierarchies ?? []).filter((h) => h.mountPoint !== undefined);
  const report: { -readonly [K in keyof DoctorReport]: DoctorReport[K] } = {
    layout: {
      kind: layout?.kind ?? "unreadable",
      ...(layoutError ? { error: layoutError } : {}),
      hierarchies: hierarchies.map((h) => ({ hierarchy: hierarchyLabel(h), mountPoint: h.mountPoint, root: h.root, controllers: h.controllers })),
    },
    systemd: { pid1: systemd, ...(pid1Name ? { pid1Name } : {}) },
    caller: {
      uid,
      ...(privilege.initUserNamespace !== undefined ? { initUserNamespace: privilege.initUserNamespace } : {}),
      capabilities: { CAP_SYS_ADMIN: cap(CAP.SYS_ADMIN), CAP_BPF: cap(CAP.BPF), CAP_NET_ADMIN: cap(CAP.NET_ADMIN) },
    },
    ownGroups: [],
    delegation: { delegated: uid === 0, reason: uid === 0 ? "root" : "no cgroup2 group" },
    controllers: { v1: {} },
    devices: { mechanism: "none", usable: false, reason: "" },
    run: { driver: "none", parent: "", enforceable: {}, notes: [] },
    fixes,
  };

  if (layout === undefined || layout.kind === "none") {
    report.layout = { ...report.layout, kind: layout?.kind ?? "unreadable" };
    fixes.push({
      problem: layoutError ? `the cgroup layout could not be read: ${layoutError}` : "no cgroup filesystem is mounted",
      fix: "as root: mount -t cgroup2 -o nsdelegate none /sys/fs/cgroup",
    });
    report.devices = { mechanism: "none", usable: false, reason: "no cgroup filesystem" };
    return report;
  }

  const own: OwnPlacement[] = await fenced([], () => ownPlacements(layout, fs));
  report.ownGroups = own.map((p) => ({ hierarchy: hierarchyLabel(p.hierarchy), path: p.path, dir: p.dir }));
  const v2 = layout.v2?.mountPoint !== undefined ? layout.v2 : undefined;
  const ownV2 = own.find((p) => p.hierarchy.version === "v2");

  // Delegation: is this process's cgroup2 group (and its subtree) ours to write?
  if (v2 && ownV2) {
    const files = host?.delegateFiles ?? ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"];
    const stats = new Map<string, CgroupStat | undefined>([["", await statOf(fs, ownV2.dir)]]);
    for (const f of files) stats.set(f, await statOf(fs, join(ownV2.dir, f)));
    const verdict = judgeDelegation(ownV2.path, uid, ownV2.path, files, stats);
    const root = uid === 0 ? undefined : await delegationRoot(fs, v2, ownV2.path, uid, files);
    const procs = (await words(fs, join(ownV2.dir, "cgroup.procs"))).length;
    const rootReason = systemd ? `root; for systemd's single-writer rule: ${verdict.reason}` : "root, and no init system owns the tree";
    report.delegation = { delegated: uid === 0 ? !systemd || verdict.delegated : verdict.delegated, reason: uid === 0 ? rootReason : verdict.reason, ...(root ? { root } : {}), ...(root ? { internalProcesses: procs > 0 && root === ownV2.path } : {}) };
  } else if (!v2) {
    report.delegation = { delegated: uid === 0, reason: uid === 0 ? "root; no cgroup2 hierarchy (v1 has no delegation containment)" : "no cgroup2 hierarchy: v1 offers no safe delegation" };
  }

  // Controllers: where each reaches.
  for (const h of layout.v1) if (h.mountPoint !== undefined) for (const c of h.controllers) (report.controllers.v1 as Record<string, string>)[c] = h.mountPoint;
  if (v2) {
    const available = v2.controllers;
    const reach = ownV2 ? (ownV2.levels.length === 1 ? available : await words(fs, join(ownV2.dir, "cgroup.controllers"))) : [];
    const stops: Record<string, string> = {};
    if (ownV2) {
      const top = [...ownV2.levels].reverse(); // mount root first
      for (const c of available.filter((x) => !reach.includes(x))) {
        for (let i = 0; i + 1 < top.length; i++) {
          const level = top[i]!;
          if (!(await words(fs, join(level.dir, "cgroup.subtree_control"))).includes(c)) {
            stops[c] = level.path;
            break;
          }
        }
      }
    }
    report.controllers = { ...report.controllers, v2: { available, reachOwnGroup: reach, stops } };
  }

  // The device ACL.
  const devicesV1 = hierarchyFor(layout, "devices");
  const mechanism = devicesV1?.version === "v1" && devicesV1.mountPoint !== undefined ? "v1" : v2 ? "ebpf" : "none";
  const problem = mechanism === "none" ? "neither a v1 devices hierarchy nor cgroup2 is mounted" : devicePrivilegeProblem(mechanism, privilege);
  report.devices = {
    mechanism,
    usable: problem === undefined,
    reason: problem ?? (mechanism === "v1" ? "v1 devices.allow/deny, with CAP_SYS_ADMIN" : "cgroup2 eBPF device filter (BPF_PROG_TYPE_CGROUP_DEVICE), with CAP_SYS_ADMIN"),
  };
  if (problem !== undefined) {
    fixes.push({ problem: `no device policy can be enforced: ${problem}`, fix: "run as root (or with CAP_SYS_ADMIN in the initial user namespace); or accept running without one: cgroupkit run --allow-no-device-policy …" });
  }

  // What `run` would do here.
  const parent = env.CGROUPKIT_PARENT ?? "";
  const parentPath = `/${parent.replace(/^\/+/, "")}`;
  const driver = chooseDriver("auto", { systemd, layout }, parent !== "" && report.delegation.delegated ? { delegation: { delegated: true, reason: "" } } : undefined);
  const notes: string[] = [];
  const enforceable: Record<string, boolean> = {};
  if (driver === "systemd") {
    notes.push("systemd is PID 1 and owns the tree: run asks it for a transient scope with Delegate=yes; limits become unit properties (MemoryMax, CPUQuota, TasksMax)");
    for (const c of RUN_LIMITS) enforceable[c] = v2?.controllers.includes(c) ?? false;
    if (uid !== 0) notes.push("not root: the system manager refuses a user's scope; run --user makes it in your own manager (user@UID.service), with the controllers that reach this group and no device policy");
  } else {
    for (const c of RUN_LIMITS) {
      const h = hierarchyFor(layout, c);
      const dir = h && dirOf(h, parentPath);
      const dirStat = dir ? await statOf(fs, dir) : undefined;
      const canMake = dirStat !== undefined && writableBy(dirStat, uid, callerIds().groups);
      const reaches = h?.version === "v2" && dir ? (dir === h.mountPoint ? h.controllers : await words(fs, join(dir, "cgroup.controllers"))).includes(c) : h !== undefined;
      enforceable[c] = canMake && reaches;
    }
    if (uid !== 0 && parent === "") notes.push("not root and $CGROUPKIT_PARENT is unset: run would create its group at the hierarchy roots, which only root may");
  }
  enforceable.devices = report.devices.usable;
  report.run = { driver, parent: parentPath, enforceable, notes };

  // Fixes for the rootless cases.
  if (uid !== 0) {
    const root = report.delegation.root;
    if (systemd && v2) {
      const missing = ["cpu", "cpuset", "io", "memory", "pids"].filter((c) => v2.controllers.includes(c) && !(report.controllers.v2?.reachOwnGroup ?? []).includes(c));
      if (missing.length > 0) {
        fixes.push({
          problem: `systemd does not delegate ${missing.join(", ")} to uid ${uid}'s user manager`,
          fix: userDelegateFix(),
        });
      }
    } else if (v2 && !root) {
      const name = `u${uid}`;
      const dir = join(v2.mountPoint!, name);
      const limits = RUN_LIMITS.filter((c) => v2.controllers.includes(c));
      const files = ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"]; // every group has these at mkdir; Cgroup.delegate also takes the kernel's other delegatable files
      fixes.push(
        limits.length === 0
          ? { problem: `no cgroup2 subtree is delegated to uid ${uid}, and here cgroup2 holds none of ${RUN_LIMITS.join(", ")} (they are bound to v1, which has no safe delegation)`, fix: "boot with systemd.unified_cgroup_hierarchy=1 (or cgroup_no_v1=all) for pure cgroup v2, then delegate a subtree" }
          : {
              problem: `no cgroup2 subtree is delegated to uid ${uid}`,
              fix:
                `as root: mkdir ${dir} ${dir}/session && chown ${uid} ${[dir, `${dir}/session`].flatMap((d) => [d, ...files.map((f) => `${d}/${f}`)]).join(" ")}` +
                ` && echo '${limits.map((c) => `+${c}`).join(" ")}' > ${join(v2.mountPoint!, "cgroup.subtree_control")} && echo <the user's shell pid> > ${dir}/session/cgroup.procs` +
                ` (in the library: (await Cgroup.create("${name}", { controllers: ${JSON.stringify(limits)} })).delegate(${uid}, GID)); then as the user: export CGROUPKIT_PARENT=${name}`,
            },
      );
    } else if (root) {
      if (report.delegation.internalProcesses) {
        fixes.push({ problem: `this process sits in the delegation root ${root}, so no controller can be enabled below it (no internal processes)`, fix: `mkdir ${dirOf(v2!, root)}/session && echo $$ > ${dirOf(v2!, root)}/session/cgroup.procs` });
      }
      if (parent === "" || !isWithinGroup(parentPath, root)) {
        fixes.push({ problem: "run and create would write outside the delegated subtree", fix: `export CGROUPKIT_PARENT=${root.slice(1)}` });
      }
    }
  }
  // where a controller run uses stops on the way down (on systemd as a user, the drop-in above is the fix)
  const stopFixes = systemd && uid !== 0 ? [] : Object.entries(report.controllers.v2?.stops ?? {}).filter(([c]) => (RUN_LIMITS as readonly string[]).includes(c));
  for (const [c, where] of stopFixes) {
    const dir = v2 && dirOf(v2, where);
    if (dir) fixes.push({ problem: `${c} does not reach this process's group: ${where} does not enable it for its children`, fix: `${uid === 0 ? "" : "as the owner of it: "}echo +${c} > ${join(dir, "cgroup.subtree_control")}` });
  }
  if (systemd && layout.kind !== "v2") {
    fixes.push({ problem: `systemd runs a ${layout.kind} layout; its driver and delegation need pure cgroup v2`, fix: "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line" });
  }
  return report;
}

function yes(b: boolean | "unknown"): string {
  return b === "unknown" ? "unknown" : b ? "yes" : "no";
}

/** @internal */
export const doctorVerb: Verb = {
  name: "doctor",
  summary: "check what this host and this user allow, what run would do here, and how to fix what is missing",
  usage: ["doctor [--json]"],
  description:
    "Reports the cgroup layout; whether systemd is PID 1; this process's group in each hierarchy; whether its\n" +
    "cgroup2 group is delegated to the caller (and the delegation root); which controllers reach it and where\n" +
    "each missing one stops; whether a device policy can be enforced (v1 devices or the eBPF filter); what run\n" +
    "would do (driver, and which limits it can enforce); and the exact command that fixes each missing piece.\n" +
    "Reads only: it changes nothing. Exit status 0 even when something is missing.",
  syntax: { options: [], positionals: { min: 0, max: 0 } },
  examples: [
    ["cgroupkit doctor", "the checks and fixes as text"],
    ["cgroupkit doctor --json | jq .fixes", "only the fixes"],
  ],
  async run(ctx: CliContext) {
    const r = await diagnose(ctx.fs);
    if (ctx.json) {
      ctx.printJson(r);
      return 0;
    }
    const lines: string[] = [];
    lines.push(`layout: ${r.layout.kind}${r.layout.error ? ` (${r.layout.error})` : ""}`);
    for (const h of r.layout.hierarchies) lines.push(`  ${h.hierarchy.padEnd(16)} ${h.mountPoint}${h.root !== "/" ? ` (root ${h.root})` : ""}`);
    lines.push(`systemd as PID 1: ${yes(r.systemd.pid1)}${r.systemd.pid1Name ? ` (PID 1 is ${r.systemd.pid1Name})` : ""}`);
    const caps = Object.entries(r.caller.capabilities).map(([k, v]) => `${k} ${yes(v)}`).join(", ");
    lines.push(`caller: uid ${r.caller.uid}; ${caps}${r.caller.initUserNamespace === false ? "; in a user namespace" : ""}`);
    lines.push("own group:");
    for (const g of r.ownGroups) lines.push(`  ${g.hierarchy.padEnd(16)} ${g.path} (${g.dir})`);
    if (r.ownGroups.length === 0) lines.push("  (no mounted hierarchy shows it)");
    lines.push(`delegated: ${yes(r.delegation.delegated)}: ${r.delegation.reason}${r.delegation.root ? `; delegation root ${r.delegation.root}` : ""}`);
    if (r.controllers.v2) {
      const v2 = r.controllers.v2;
      lines.push(`cgroup2 controllers: available ${v2.available.join(" ") || "none"}; reach this group: ${v2.reachOwnGroup.join(" ") || "none"}`);
      for (const [c, where] of Object.entries(v2.stops)) lines.push(`  ${c} stops at ${where}`);
    }
    const v1 = Object.entries(r.controllers.v1);
    if (v1.length > 0) lines.push(`v1 controllers: ${v1.map(([c, m]) => `${c} (${m})`).join(", ")}`);
    lines.push(`device policy: ${r.devices.mechanism}: ${r.devices.usable ? "enforceable" : "NOT enforceable"} (${r.devices.reason})`);
    lines.push(`run would use: ${r.run.driver}${r.run.parent !== "/" ? ` under ${r.run.parent}` : ""}; enforceable: ${Object.entries(r.run.enforceable).map(([k, v]) => `${k} ${yes(v)}`).join(", ")}`);
    for (const n of r.run.notes) lines.push(`  note: ${n}`);
    lines.push(r.fixes.length === 0 ? "nothing to fix" : "to fix:");
    for (const f of r.fixes) lines.push(`  - ${f.problem}`, `    ${f.fix}`);
    ctx.print(lines.join("\n"));
    return 0;
  },
};
