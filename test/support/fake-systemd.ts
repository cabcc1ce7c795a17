// A fake systemd for unit tests of the systemd driver: an in-memory SystemdManager that makes scope
// directories in a temp-dir cgroup2 tree the way systemd does, with scripted failures.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { discoverHierarchies, type CgroupLayout } from "../../src/cgroup/mounts.js";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { NodeCgroupFs } from "../../src/runtime/fs.js";
import { SystemdError, type JobResult, type SystemdManager } from "../../src/systemd/manager.js";
import type { UnitProperty } from "../../src/systemd/properties.js";

const CONTROLLERS = "cpuset cpu io memory pids";

/** cgroup2 over a temp dir: mkdir fills in control files, rmdir removes a group with its files (EBUSY with a sub-group). */
export class FakeTreeFs extends NodeCgroupFs {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-fake-sd-"));
  constructor() {
    super();
    this.populate(this.root, CONTROLLERS);
    fs.mkdirSync(`${this.root}/system.slice`);
    this.populate(`${this.root}/system.slice`, CONTROLLERS);
  }
  populate(dir: string, controllers: string): void {
    const files: Record<string, string> = {
      "cgroup.procs": "",
      "cgroup.controllers": `${controllers}\n`,
      "cgroup.subtree_control": "\n",
      "cgroup.kill": "",
      "cgroup.events": "populated 0\nfrozen 0\n",
      "memory.max": "max\n",
      "memory.high": "max\n",
      "pids.max": "max\n",
      "cpu.max": "max 100000\n",
    };
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(`${dir}/${f}`, text);
  }
  override async mkdir(p: string): Promise<void> {
    await super.mkdir(p);
    this.populate(p, fs.readFileSync(`${path.dirname(p)}/cgroup.controllers`, "utf8").trim());
  }
  override async writeFile(p: string, data: string): Promise<void> {
    // a regular file keeps old bytes past a shorter write; cgroupfs files do not
    if (!fs.existsSync(p)) throw new CgroupIoError("write", p, "ENOENT", data);
    fs.writeFileSync(p, data);
  }
  override async rmdir(p: string): Promise<void> {
    if (!fs.existsSync(p)) throw new CgroupIoError("rmdir", p, "ENOENT");
    if (fs.readdirSync(p, { withFileTypes: true }).some((e) => e.isDirectory())) throw new CgroupIoError("rmdir", p, "EBUSY");
    fs.rmSync(p, { recursive: true });
  }
  layout(): CgroupLayout {
    return discoverHierarchies({ mountinfo: `27 26 0:26 / ${this.root} rw,nosuid - cgroup2 cgroup2 rw\n`, procCgroup: "0::/\n", v2Controllers: CONTROLLERS });
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** One scripted outcome for the next StartTransientUnit. */
export type StartScript = { readonly error: SystemdError } | { readonly job: JobResult } | { readonly hang: true };

/** A SystemdManager that behaves like systemd on a {@link FakeTreeFs}. */
export class FakeSystemd implements SystemdManager {
  readonly address = "unix:path=/fake/bus";
  readonly calls: Array<{ method: string; unit: string; properties?: readonly UnitProperty[] }> = [];
  readonly units = new Map<string, "active" | "failed">();
  /** Consumed one per StartTransientUnit; empty means success. */
  script: StartScript[] = [];
  /** Properties this "systemd" does not know (answers like an older version). */
  unknown = new Set<string>();
  /** Leave the scope's sub-groups behind on stop (as when an rmdir was busy). */
  leaveSubgroups = false;
  private jobs = new Map<string, JobResult | "hang">();
  private serial = 0;
  closed = false;

  private readonly controlGroups = new Map<string, string>();

  /** `root`: the manager's own ControlGroup (`""` for the system manager, `/user.slice/…/user@1000.service` for a user's). */
  constructor(
    private readonly tree: FakeTreeFs,
    readonly root = "",
  ) {}

  private job(result: JobResult | "hang"): string {
    const path = `/org/freedesktop/systemd1/job/${++this.serial}`;
    this.jobs.set(path, result);
    return path;
  }

  async startTransientUnit(name: string, _mode: string, properties: readonly UnitProperty[]): Promise<string> {
    this.calls.push({ method: "StartTransientUnit", unit: name, properties });
    for (const [n] of properties) {
      if (this.unknown.has(n)) throw new SystemdError("unknown-property", `StartTransientUnit ${name}: systemd said org.freedesktop.DBus.Error.PropertyReadOnly: Cannot set property ${n}, or unknown property.`, { unit: name, property: n, dbusName: "org.freedesktop.DBus.Error.PropertyReadOnly" });
    }
    if (this.units.has(name)) throw new SystemdError("unit-exists", `StartTransientUnit ${name}: Unit ${name} already exists.`, { unit: name, dbusName: "org.freedesktop.systemd1.UnitExists" });
    const step = this.script.shift();
    if (step && "error" in step) throw step.error;
    if (step && "hang" in step) return this.job("hang");
    if (step && step.job !== "done") {
      this.units.set(name, "failed");
      return this.job(step.job);
    }
    const slice = String(properties.find(([n]) => n === "Slice")?.[1].value ?? "system.slice");
    const controlGroup = `${this.root}/${slice}/${name}`;
    const dir = `${this.tree.root}${controlGroup}`;
    if (!fs.existsSync(`${this.tree.root}${this.root}/${slice}`)) await this.tree.mkdir(`${this.tree.root}${this.root}/${slice}`);
    await this.tree.mkdir(dir);
    this.controlGroups.set(name, controlGroup);
    const pids = (properties.find(([n]) => n === "PIDs")?.[1].value as number[]) ?? [];
    fs.writeFileSync(`${dir}/cgroup.procs`, pids.join("\n"));
    this.units.set(name, "active");
    return this.job("done");
  }

  async stopUnit(name: string): Promise<string> {
    this.calls.push({ method: "StopUnit", unit: name });
    if (this.units.get(name) !== "active") throw new SystemdError("no-such-unit", `StopUnit ${name}: Unit ${name} not loaded.`, { unit: name });
    this.units.delete(name);
    const dir = `${this.tree.root}${this.controlGroups.get(name) ?? `/system.slice/${name}`}`;
    if (!this.leaveSubgroups) fs.rmSync(dir, { recursive: true, force: true });
    return this.job("done");
  }

  async resetFailedUnit(name: string): Promise<void> {
    this.calls.push({ method: "ResetFailedUnit", unit: name });
    if (this.units.get(name) === "failed") this.units.delete(name);
  }

  async unitProperty(name: string, _iface: string, property: string): Promise<unknown> {
    if (!this.units.has(name)) throw new SystemdError("no-such-unit", `GetUnit ${name}`, { unit: name });
    if (property !== "ControlGroup") throw new Error(`fake: no property ${property}`);
    return this.controlGroups.get(name) ?? `/system.slice/${name}`;
  }

  async managerProperty(property: string): Promise<unknown> {
    this.calls.push({ method: `Get ${property}`, unit: "" });
    if (property !== "ControlGroup") throw new Error(`fake: no manager property ${property}`);
    return this.root;
  }

  async waitForJob(job: string, deadline: number): Promise<JobResult> {
    const result = this.jobs.get(job);
    if (result === undefined) throw new Error(`fake: unknown job ${job}`);
    if (result === "hang") {
      await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
      throw new SystemdError("job-timeout", `job ${job} did not finish by its deadline`);
    }
    return result;
  }

  close(): void {
    this.closed = true;
  }
}
