// `doctor` and `limits` on every mountinfo fixture (no cgroupfs, v1 only, hybrid, pure v2, inside a
// cgroup namespace, a bind-mounted subtree, mounts made outside the namespace, garbage): a report,
// never a crash, and nothing written. Plus Cgroup.self and effectiveLimits on those hosts.
import { describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { main } from "../../src/cli/cli.js";
import type { DoctorReport } from "../../src/cli/commands/doctor.js";
import { heapMegabytes } from "../../src/cli/commands/limits.js";
import { effectiveLimits, type EffectiveLimits } from "../../src/resources/effective.js";
import { FixtureFs } from "../support/fixture-fs.js";

const ROOT_STATUS = "Name:\tnode\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\nCpus_allowed_list:\t0-3\n";
const USER_STATUS = "Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\nCpus_allowed_list:\t0-3\n";
const INIT_NS = "         0          0 4294967295\n";
const base = (status = ROOT_STATUS) => ({ "/proc/self/status": status, "/proc/self/uid_map": INIT_NS, "/sys/devices/system/cpu/online": "0-7\n" });

async function cli(fs: FixtureFs, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, fs);
  return { status, stdout, stderr };
}

/** doctor --json and limits --json on a host: both exit 0, print JSON, write nothing. */
async function both(fs: FixtureFs): Promise<{ doctor: DoctorReport; limits: EffectiveLimits }> {
  const d = await cli(fs, "doctor", "--json");
  const l = await cli(fs, "limits", "--json");
  expect(d).toMatchObject({ status: 0, stderr: "" });
  expect(l).toMatchObject({ status: 0, stderr: "" });
  const text = await cli(fs, "doctor");
  expect(text).toMatchObject({ status: 0, stderr: "" });
  expect((await cli(fs, "limits")).status).toBe(0);
  expect(fs.changes).toEqual([]);
  return { doctor: JSON.parse(d.stdout) as DoctorReport, limits: JSON.parse(l.stdout) as EffectiveLimits };
}

const NONE = { value: "none" };

describe("doctor and limits on every mountinfo fixture", () => {
  it("no cgroup filesystem: the mount command as the fix; every limit none, and why", async () => {
    const { doctor, limits } = await both(new FixtureFs("no-cgroup", base()));
    expect(doctor.layout.kind).toBe("none");
    expect(doctor.fixes).toEqual([{ problem: "no cgroup filesystem is mounted", fix: "as root: mount -t cgroup2 -o nsdelegate none /sys/fs/cgroup" }]);
    expect(limits.memory.max).toEqual(NONE);
    expect(limits.pids.max).toEqual(NONE);
    expect(limits.cpu.quota).toEqual(NONE);
    expect(limits.cpu).toMatchObject({ affinity: { value: 4, file: "Cpus_allowed_list" }, available: 4, online: 8, max: { value: 4, file: "Cpus_allowed_list" } });
    expect(limits.hidden).toEqual([expect.stringMatching(/no mounted cgroup hierarchy shows it \(layout none\)/)]);
  });

  it("garbage in mountinfo: the layout is unreadable, said once, no crash", async () => {
    const fs = new FixtureFs("no-cgroup", base());
    fs.add("/proc/self/mountinfo", "this is not mountinfo\n");
    const { doctor, limits } = await both(fs);
    expect(doctor.layout).toMatchObject({ kind: "unreadable", error: expect.stringMatching(/mountinfo: cannot parse/) });
    expect(limits.memory.max).toEqual(NONE);
    expect(limits.hidden).toEqual([expect.stringMatching(/^the cgroup layout could not be read: .*mountinfo/)]);
  });

  it("pure v1, co-mounted cpu,cpuacct: v1's unlimited memory is none; the cpu quota and its file", async () => {
    const fs = new FixtureFs("v1-comounted", {
      ...base(),
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
      "/sys/fs/cgroup/memory/release_agent": "\n",
      "/sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes": "9223372036854771712\n",
      "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us": "250000\n",
      "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
      "/sys/fs/cgroup/cpu,cpuacct/release_agent": "\n",
    });
    const { doctor, limits } = await both(fs);
    expect(doctor.layout.kind).toBe("v1");
    expect(doctor.devices).toMatchObject({ mechanism: "v1", usable: true });
    expect(doctor.controllers.v1).toMatchObject({ memory: "/sys/fs/cgroup/memory", cpu: "/sys/fs/cgroup/cpu,cpuacct" });
    expect(limits.memory.max).toEqual(NONE);
    expect(JSON.stringify(limits)).not.toContain("9223372036854771712");
    expect(limits.cpu.quota).toEqual({ value: 2.5, quotaUs: 250000, periodUs: 100000, file: "cpu.cfs_quota_us", group: "/user.slice", path: "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us" });
    expect(limits.cpu.max).toMatchObject({ value: 2.5, file: "cpu.cfs_quota_us" });
    expect(limits.hidden.filter((h) => /^v1 (memory|cpu,cpuacct):/.test(h))).toEqual([]);
  });

  it("hybrid under systemd: systemd PID 1, and the unified-hierarchy boot option as the fix", async () => {
    const fs = new FixtureFs("hybrid-systemd", { ...base(), "/proc/1/comm": "systemd\n" });
    fs.addDir("/run/systemd/system");
    const { doctor } = await both(fs);
    expect(doctor.layout.kind).toBe("hybrid");
    expect(doctor.systemd).toEqual({ pid1: true, pid1Name: "systemd" });
    expect(doctor.fixes).toContainEqual({ problem: "systemd runs a hybrid layout; its driver and delegation need pure cgroup v2", fix: "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line" });
  });

  it("pure v2 with systemd, as uid 1000 without cpu delegated: not delegated, cpu stops at /user.slice, the user@.service drop-in", async () => {
    const session = "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope";
    const fs = new FixtureFs("systemd-v2", {
      ...base(USER_STATUS),
      "/proc/1/comm": "systemd\n",
      "/sys/fs/cgroup/cgroup.subtree_control": "cpuset cpu io memory pids\n",
      "/sys/fs/cgroup/user.slice/cgroup.controllers": "cpuset cpu io memory pids\n",
      "/sys/fs/cgroup/user.slice/cgroup.subtree_control": "memory pids\n",
      "/sys/fs/cgroup/user.slice/user-1000.slice/cgroup.controllers": "memory pids\n",
      "/sys/fs/cgroup/user.slice/user-1000.slice/cgroup.subtree_control": "memory pids\n",
      [`${session}/cgroup.controllers`]: "memory pids\n",
      [`${session}/cgroup.procs`]: "4242\n",
      [`${session}/cgroup.type`]: "domain\n",
      [`${session}/memory.max`]: "max\n",
      "/sys/fs/cgroup/user.slice/user-1000.slice/memory.max": "4294967296\n",
      "/sys/fs/cgroup/user.slice/user-1000.slice/memory.high": "3221225472\n",
    });
    fs.addDir("/run/systemd/system");
    const { doctor, limits } = await both(fs);
    expect(doctor.layout.kind).toBe("v2");
    expect(doctor.caller).toMatchObject({ uid: 1000, capabilities: { CAP_SYS_ADMIN: false, CAP_BPF: false, CAP_NET_ADMIN: false } });
    expect(doctor.delegation).toMatchObject({ delegated: false, reason: expect.stringMatching(/owned by uid 0, not 1000/) });
    expect(doctor.controllers.v2).toEqual({ available: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"], reachOwnGroup: ["memory", "pids"], stops: expect.objectContaining({ cpu: "/user.slice", cpuset: "/user.slice", io: "/user.slice", hugetlb: "/" }) });
    expect(doctor.devices).toMatchObject({ mechanism: "ebpf", usable: false, reason: expect.stringMatching(/CAP_SYS_ADMIN, or CAP_BPF with CAP_NET_ADMIN, and uid 1000 has neither/) });
    expect(doctor.run.driver).toBe("systemd");
    expect(doctor.fixes).toContainEqual({
      problem: "systemd does not delegate cpu, cpuset, io to uid 1000's user manager",
      fix: "as root: mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload, then log in again",
    });
    expect(limits.memory.max).toEqual({ value: 4294967296, file: "memory.max", group: "/user.slice/user-1000.slice", path: "/sys/fs/cgroup/user.slice/user-1000.slice/memory.max" });
    expect(limits.memory.high).toMatchObject({ value: 3221225472, group: "/user.slice/user-1000.slice" });
    expect(heapMegabytes(await effectiveLimits(undefined, { fs }), 0.75)).toBe(2304n); // 0.75 of memory.high (3 GiB), the tighter bound
    expect(await cli(fs, "limits", "--heap-mb", "0.75")).toMatchObject({ status: 0, stdout: "2304\n" });
  });

  it("inside a container's cgroup namespace: its own group is /, the limit there, and ancestors above it hidden", async () => {
    const fs = new FixtureFs("container-cgroupns", { ...base(), "/sys/fs/cgroup/memory.max": "268435456\n", "/sys/fs/cgroup/cgroup.type": "domain\n", "/sys/fs/cgroup/cpu.max": "50000 100000\n", "/sys/fs/cgroup/cpuset.cpus.effective": "0-1\n" });
    const { doctor, limits } = await both(fs);
    expect(doctor.ownGroups).toEqual([{ hierarchy: "cgroup2", path: "/", dir: "/sys/fs/cgroup" }]);
    expect(limits.memory.max).toEqual({ value: 268435456, file: "memory.max", group: "/", path: "/sys/fs/cgroup/memory.max" });
    expect(limits.cpu.max).toMatchObject({ value: 0.5, file: "cpu.max", group: "/" });
    expect(limits.cpu.cpuset).toMatchObject({ value: 2, cpus: "0-1" });
    expect(limits.hidden).toEqual(["cgroup2: ancestors above / (/sys/fs/cgroup) are not visible"]);
  });

  it("an LXC container without a cgroup namespace (bind-mounted subtree): paths below the mount's root", async () => {
    const fs = new FixtureFs("bind-mount-subtree", { ...base(), "/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n", "/sys/fs/cgroup/pids/pids.max": "100\n", "/sys/fs/cgroup/pids/init.scope/pids.max": "max\n" });
    const cg = await Cgroup.self({ fs });
    expect(cg.placement("pids")).toMatchObject({ dir: "/sys/fs/cgroup/pids/init.scope", path: "/lxc/c1/init.scope" });
    const { limits } = await both(fs);
    expect(limits.memory.max).toEqual({ value: 536870912, file: "memory.limit_in_bytes", group: "/lxc/c1", path: "/sys/fs/cgroup/memory/memory.limit_in_bytes" });
    expect(limits.pids.max).toEqual({ value: 100, file: "pids.max", group: "/lxc/c1", path: "/sys/fs/cgroup/pids/pids.max" });
    expect(limits.hidden).toEqual(expect.arrayContaining([expect.stringMatching(/^v1 memory: ancestors above \/lxc\/c1/), expect.stringMatching(/^v1 pids: ancestors above \/lxc\/c1/)]));
  });

  it("in a cgroup namespace with the host's mount (root /../..) and its own: the own mount shows the group", async () => {
    const fs = new FixtureFs("cgroupns-host-mount", { ...base(), "/run/ns-cgroup/worker/memory.max": "max\n", "/run/ns-cgroup/memory.max": "1073741824\n" });
    const { doctor, limits } = await both(fs);
    expect(doctor.ownGroups).toEqual([{ hierarchy: "cgroup2", path: "/worker", dir: "/run/ns-cgroup/worker" }]);
    expect(limits.memory.max).toEqual({ value: 1073741824, file: "memory.max", group: "/", path: "/run/ns-cgroup/memory.max" });
  });

  it("a mount made before unshare -C (root /..): the group is found by this process's pid in cgroup.procs", async () => {
    const fs = new FixtureFs("no-cgroup", {
      ...base(),
      "/sys/fs/cgroup/cgroup.controllers": "memory pids\n",
      "/sys/fs/cgroup/other/cgroup.procs": "1\n",
      "/sys/fs/cgroup/job/cgroup.procs": `${process.pid}\n`,
      "/sys/fs/cgroup/job/memory.max": "100663296\n",
      "/sys/fs/cgroup/job/cgroup.type": "domain\n",
      "/sys/fs/cgroup/memory.max": "max\n",
    });
    fs.add("/proc/self/mountinfo", "30 22 0:26 /.. /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
    const cg = await Cgroup.self({ fs, layout: await readCgroupLayout({ fs }) });
    expect(cg.v2Placement).toMatchObject({ dir: "/sys/fs/cgroup/job", path: "/" });
    const limits = await effectiveLimits(undefined, { fs });
    expect(limits.memory.max).toEqual({ value: 100663296n, file: "memory.max", group: "/", path: "/sys/fs/cgroup/job/memory.max" });
    expect(limits.hidden).toEqual([]); // the mount shows the real root above the namespace
  });

  for (const fixture of ["host-hybrid-6.18", "mounted-twice", "named-only"]) {
    it(`${fixture}: a report, no crash, nothing written`, async () => {
      const { doctor, limits } = await both(new FixtureFs(fixture, base()));
      expect(doctor.layout.kind).not.toBe("unreadable");
      expect(limits.memory.max).toEqual(NONE);
    });
  }
});
