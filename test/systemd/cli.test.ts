// The built CLI on the real systemd in the lane's VM: run/exec/create/delete go through systemd
// (--driver auto picks it here), limits are enforced, the device ACL holds across daemon-reload, and
// the failure paths are one clear line and leave nothing. Checked with systemctl and raw files.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CGROUP_ROOT, leftoverCgroupkitState, run, showUnit, startSleeper, startTransientUnit, testUnitName, waitFor } from "./support/systemd.js";

const MAIN = path.resolve(import.meta.dirname, "../../dist/cli/cgroupkit.cjs");
const DENIED = "/dev/nullb0";

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build before the systemd lane`);
  if (!fs.existsSync(DENIED)) throw new Error(`${DENIED} is missing: the lane loads null_blk`);
});

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 110_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split("\n").pop()!) as Record<string, any>;
/** What the command itself prints about where it runs: its cgroup, and systemctl show of its unit. */
const WHERE = `cg=$(cut -d: -f3 /proc/self/cgroup); echo "cgroup=$cg"; unit=$(basename $(dirname $cg)); echo "unit=$unit"; systemctl show $unit -p ActiveState -p Delegate -p MemoryMax -p TasksMax -p CPUWeight -p Slice; systemctl status $unit --no-pager > /dev/null && echo status-ok; cat /sys/fs/cgroup$(dirname $cg)/memory.max | sed 's/^/scope-memory.max=/'; cat /sys/fs/cgroup$cg/memory.max | sed 's/^/leaf-memory.max=/'`;
const keyed = (text: string) => Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

describe("cgroupkit on systemd", () => {
  it("run: a cgroupkit-run-<random>.scope with Delegate=yes and the limits as properties; the command in its leaf; gone afterwards", () => {
    // --no-confine: the command looks itself up by its cgroup path (a confined run sees / there; checked at the end)
    const r = cli(["run", "--no-confine", "--json", "--memory", "64M", "--pids", "30", "-p", "CPUWeight=50", "--", "sh", "-c", WHERE]);
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    expect(r.status).toBe(0);
    const seen = keyed(r.stdout);
    expect(seen.unit).toMatch(/^cgroupkit-run-[0-9a-f]{12}\.scope$/);
    expect(seen.cgroup).toBe(`/system.slice/${seen.unit}/payload`);
    expect(seen).toMatchObject({ ActiveState: "active", Delegate: "yes", MemoryMax: "67108864", TasksMax: "31", CPUWeight: "50", Slice: "system.slice", "scope-memory.max": "67108864", "leaf-memory.max": "max" });
    expect(r.stdout).toContain("status-ok");
    const summary = summaryOf(r.stderr);
    expect(summary).toMatchObject({ group: seen.unit, status: 0, signal: null, oomKilled: false });
    expect(showUnit(seen.unit!, ["LoadState"]).LoadState).toBe("not-found");
    expect(fs.existsSync(`${CGROUP_ROOT}/system.slice/${seen.unit}`)).toBe(false);
    // Confined (the default), the command's cgroup namespace is rooted at its leaf, and cgroupfs is read-only.
    const confined = cli(["run", "--memory", "64M", "--", "sh", "-c", "cat /proc/self/cgroup; echo $$ > /sys/fs/cgroup/cgroup.procs 2>/dev/null && echo escaped || echo refused"]);
    expect(confined.status).toBe(0);
    expect(confined.stdout).toBe("0::/\nrefused\n");
  });

  it("run --slice and --name: the unit is where it was asked to be", () => {
    const name = `cgroupkit-test-${randomBytes(3).toString("hex")}`;
    const r = cli(["run", "--driver", "systemd", "--slice", "cgroupkit-test.slice", "--name", name, "--no-confine", "--", "sh", "-c", "cut -d: -f3 /proc/self/cgroup"]);
    try {
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`/cgroupkit.slice/cgroupkit-test.slice/${name}.scope/payload`);
    } finally {
      run("systemctl", ["stop", "cgroupkit.slice"]);
    }
  });

  it("an OOM kill under MemoryMax shows in memory.events and in the summary", () => {
    const r = cli(["run", "--json", "--memory", "32M", "--memory-swap", "32M", "--devices", "allow-all", "--no-confine", "--", "sh", "-c", "tail /dev/zero; grep oom_kill /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.events"]);
    expect(r.stdout).toMatch(/^oom_kill [1-9]/m);
    const summary = summaryOf(r.stderr);
    expect(BigInt(summary.memory.oomKills)).toBeGreaterThan(0n);
    // The kernel force-charges a task the OOM killer already picked (so it can exit): the peak may pass the limit by a few pages.
    if (summary.memory.peak !== undefined) expect(Number(summary.memory.peak)).toBeLessThanOrEqual(34 * 1024 * 1024);
  });

  it("TasksMax stops a bounded fork bomb", () => {
    // perl: a failed fork is just undef (EAGAIN) here, where sh would give up or retry
    const bomb = `my ($cg) = (do { local @ARGV = "/proc/self/cgroup"; <> } =~ /^0::(\\S+)/); my @kids; my $fail = 0;
      for (1..60) { my $p = fork; if (!defined $p) { $fail++; next } if ($p == 0) { sleep 30; exit 0 } push @kids, $p }
      sub slurp { open(my $f, "<", $_[0]) or return "?"; local $/; my $t = <$f>; chomp $t; $t }
      my $scope = "/sys/fs/cgroup$cg"; $scope =~ s{/[^/]+$}{};
      print "forked=", scalar(@kids), "\\nfailed=$fail\\ncurrent=", slurp("/sys/fs/cgroup$cg/pids.current"), "\\nscope-max=", slurp("$scope/pids.max"), "\\n", slurp("/sys/fs/cgroup$cg/pids.events") =~ s/^max /events-max=/mr, "\\n";
      kill "KILL", @kids; waitpid($_, 0) for @kids;`;
    const r = cli(["run", "--pids", "16", "--devices", "allow-all", "--no-confine", "--", "perl", "-e", bomb]);
    expect(r.status).toBe(0);
    const seen = keyed(r.stdout);
    expect(Number(seen.forked)).toBe(15);
    expect(Number(seen.failed)).toBe(45);
    expect(seen.current).toBe("16");
    expect(seen["scope-max"]).toBe("17");
    expect(Number(seen["events-max"])).toBeGreaterThan(0);
  });

  it("devices: allowed nodes open, the denied one gets EPERM (allowed outside), and it holds across daemon-reload", async () => {
    const outside = spawnSync("sh", ["-c", `head -c 1 ${DENIED} > /dev/null && echo outside-ok`], { encoding: "utf8" });
    expect(outside.stdout).toContain("outside-ok");
    const flag = `/tmp/cgroupkit-reload-${randomBytes(3).toString("hex")}`;
    fs.writeFileSync(flag, "");
    const loop = `n=0; bad=0; while [ -e ${flag} ]; do cat /dev/null || bad=$((bad+1)); head -c 1 /dev/zero > /dev/null || bad=$((bad+1)); n=$((n+1)); done; echo reads=$n; echo failures=$bad; head -c 1 ${DENIED} > /dev/null 2> /tmp/denied.err; echo disk=$?; cat /tmp/denied.err`;
    const child = spawn(process.execPath, [MAIN, "run", "--devices", "libvirt-lxc", "--", "sh", "-c", loop], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const done = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await waitFor("the looping command's scope", () => (run("systemctl", ["list-units", "--no-legend", "--plain", "cgroupkit-run-*"]).includes("active") ? true : undefined));
    run("systemctl", ["daemon-reload"], { timeoutMs: 60_000 });
    run("systemctl", ["daemon-reload"], { timeoutMs: 60_000 });
    fs.rmSync(flag);
    expect(await done).toBe(0);
    const seen = keyed(out);
    expect(Number(seen.reads)).toBeGreaterThan(10);
    expect(seen.failures).toBe("0");
    expect(seen.disk).toBe("1");
    expect(out).toMatch(/Operation not permitted/);
  });

  it("create, exec, delete: a slice, a delegated scope in it per exec, stopped by delete", async () => {
    const group = `cgroupkit-test-${randomBytes(3).toString("hex")}`;
    const slice = group.replace(/-/g, "\\x2d") + ".slice";
    const created = cli(["create", group]);
    expect(created.status).toBe(0);
    expect(created.stdout).toContain(slice);
    expect(showUnit(slice, ["ActiveState"]).ActiveState).toBe("active");
    const r = cli(["exec", group, "--", "sh", "-c", "cut -d: -f3 /proc/self/cgroup"]); // exec is unconfined unless --confine
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^/${slice.replace(/\\/g, "\\\\").replace(/\./g, "\\.")}/cgroupkit-exec-[0-9a-f]{12}\\.scope/payload$`));
    const unit = r.stdout.trim().split("/")[2]!;
    // stopped at once; unloaded when systemd's garbage collection (CollectMode=inactive-or-failed) gets to it
    expect(showUnit(unit, ["ActiveState"]).ActiveState).toBe("inactive");
    await waitFor(`${unit} unloaded`, () => (showUnit(unit, ["LoadState"]).LoadState === "not-found" ? true : undefined), 20_000);
    const deleted = cli(["delete", group]);
    expect(deleted.status).toBe(0);
    // stopped, its cgroup gone; systemd unloads the inactive transient slice later (the suite's leftover check sees it)
    const shown = showUnit(slice, ["ActiveState", "ControlGroup"]);
    expect(shown.ActiveState).toBe("inactive");
    expect(fs.existsSync(`${CGROUP_ROOT}/${slice}`)).toBe(false);
    const missing = cli(["exec", group, "--", "true"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^cgroupkit exec: no group .*create it first/);
  });

  it("failure paths: name taken, property refused, no D-Bus socket — one line each, nothing left", async () => {
    const sleeper = startSleeper();
    const taken = testUnitName("scope");
    try {
      startTransientUnit(taken, [["PIDs", "au", 1, sleeper.pid!]]);
      const r = cli(["run", "--name", taken, "--", "true"]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/already exists.*choose another unit name/);
      expect(showUnit(taken, ["ActiveState"]).ActiveState).toBe("active");
    } finally {
      // with its only process gone, systemd stops the scope by itself
      sleeper.kill("SIGKILL");
    }
    await waitFor(`${taken} gone`, () => (showUnit(taken, ["LoadState"]).LoadState === "not-found" ? true : undefined), 20_000);
    const bad = cli(["run", "-p", "TasksMax=0", "--", "true"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/TasksMax/);
    const refused = cli(["run", "-p", "DevicePolicy=bogus", "--", "true"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/systemd said org\.freedesktop\.DBus\.Error/);
    const noBus = cli(["run", "--", "true"], { CGROUPKIT_SYSTEMD_BUS: "unix:path=/run/cgroupkit-no-bus" });
    expect(noBus.status).toBe(1);
    expect(noBus.stderr.trim()).toMatch(/^cgroupkit run: cannot connect to the D-Bus socket unix:path=\/run\/cgroupkit-no-bus \(ENOENT\).*--driver cgroupfs/);
    expect(leftoverCgroupkitState()).toEqual([]);
  });
});
