// `npm run test:systemd`: boot the Debian kernel in qemu with the host's own systemd as PID 1 on
// pure cgroup v2, and run test/systemd/*.test.ts inside it (shared/guides/systemd-vm.md).
//
// The lane's contract, for whoever adds tests:
// - Add a file `test/systemd/<name>.test.ts`; test/systemd/vitest.config.ts picks up every
//   `test/systemd/**/*.test.ts`. Run a subset with `npm run test:systemd -- test/systemd/<name>.test.ts`
//   (every argument goes to vitest, so `-t <name>` works too).
// - The VM's `/` is an overlay (tmpfs upper layer) over the host's read-only `/`, so the project is
//   at the same path as on the host (`process.cwd()` is the project root), writable, and every
//   write is lost at poweroff. Build first (`npm run build`) for tests that spawn the CLI (dist/cli/cgroupkit.cjs).
// - The tests run as root in `ci.service` (cgroup `/system.slice/ci.service`), with the host's node
//   (`process.execPath`), one file at a time in one worker; `CI=true`, so a skipped test fails the lane.
// - The system bus is at /run/dbus/system_bus_socket. uid 1000 exists (the host's user or
//   `cgroupkit-ci`); its name is in CGROUPKIT_TEST_USER. `systemctl start user@1000.service` gives
//   its user manager and the session bus /run/user/1000/bus.
// - Timeouts: 120 s a test, 60 s a hook (vitest.config.ts); the whole suite gets RuntimeMaxSec
//   (the lane's timeout less the boot), the lane CGROUPKIT_VM_TIMEOUT seconds (default 540).
// - Name every unit and cgroup a test makes `cgroupkit…`: the global teardown
//   (support/leftovers.ts) fails the lane when any such unit or cgroup is left.
// Result: the suite's closing line (with a random token) on the serial console; no line, a panic
// or an oops fails the lane. Counts go to temp/systemd-result.json for test/run.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeBusyboxInitramfs } from "../vm/initramfs.js";
import { closingLineScript, vitestCommand, findQemuPrerequisites, projectRoot, runLane, sh, type Missing } from "../vm/qemu.js";

// 9p over virtio, overlayfs for a writable root over the share, null_blk for a block device that IO properties can name.
const MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay", "null_blk"];
/** Seconds from qemu start to ci.service starting, with room: the RuntimeMaxSec of the suite is the rest. */
const BOOT_ALLOWANCE = 60;

/** Files from the Debian packages the VM boots (the host's copies, through the share). */
const PACKAGE_FILES: readonly { file: string | string[]; pkg: string }[] = [
  { file: "/lib/systemd/systemd", pkg: "systemd" },
  { file: "/sbin/init", pkg: "systemd-sysv" },
  { file: ["/usr/bin/dbus-daemon", "/usr/bin/dbus-broker"], pkg: "dbus" },
  { file: "/usr/lib/systemd/user/dbus.socket", pkg: "dbus-user-session" },
  { file: ["/lib/x86_64-linux-gnu/security/pam_systemd.so", "/usr/lib/x86_64-linux-gnu/security/pam_systemd.so"], pkg: "libpam-systemd" },
  { file: "/usr/sbin/useradd", pkg: "passwd" },
];

function packageProblems(): Missing[] {
  return PACKAGE_FILES.filter(({ file }) => ![file].flat().some((f) => fs.existsSync(f))).map(({ file, pkg }) => ({ what: `${[file].flat().join(" or ")} is missing`, pkg }));
}

/** Directories under the VM's fresh /tmp and /var/tmp that must show through: where the project or node live. */
function pathsToKeep(): string[] {
  const keep = new Set<string>();
  for (const file of [projectRoot, process.execPath]) {
    for (const tmp of ["/tmp", "/var/tmp"]) {
      if (file.startsWith(`${tmp}/`)) keep.add(path.join(tmp, file.slice(tmp.length + 1).split("/")[0]!));
    }
  }
  return [...keep];
}

/** The script ci.service runs: uid 1000, then vitest over the suite, then the closing line. */
function ciScript(token: string, suiteArgs: readonly string[]): string {
  const node = sh(process.execPath);
  const report = "/tmp/cgroupkit-systemd-vitest.json";
  const vitest = vitestCommand("test/systemd/vitest.config.ts", report, suiteArgs);
  return `#!/bin/sh
echo "SD-LANE ci.service: pid1=$(cat /proc/1/comm), $(stat -f -c %T /sys/fs/cgroup) at /sys/fs/cgroup, own cgroup $(cat /proc/self/cgroup)"
getent passwd 1000 >/dev/null || useradd -m -u 1000 -U -s /bin/sh cgroupkit-ci || echo "SD-LANE useradd failed"
user=$(getent passwd 1000 | cut -d: -f1)
echo "SD-LANE system state: $(systemctl is-system-running --wait) at uptime $(cut -d' ' -f1 /proc/uptime) s; $(systemd-analyze time | head -1)"
systemctl --failed --no-legend --plain | sed 's/^/SD-LANE failed unit: /'
cd ${sh(projectRoot)} || exit 1
export HOME=/root TMPDIR=/tmp PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true NO_COLOR=1 CGROUPKIT_IN_SYSTEMD_VM=${token} CGROUPKIT_TEST_USER="$user"
${vitest}
status=$?
echo "SD-LANE suite ended at uptime $(cut -d' ' -f1 /proc/uptime) s"
${node} -e ${sh(closingLineScript(report, token))} "$status"
`;
}

/** The VM's /init: the host's `/` over 9p under an overlay, the guide's fixes, then systemd as PID 1. */
function initScript(modules: readonly string[], runtimeMaxSec: number): string {
  const R = "/newroot";
  const keep = pathsToKeep()
    .map((dir) => `mkdir -p ${R}${dir} && mount --bind /host${dir} ${R}${dir}`)
    .join("\n");
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
${modules.map((m) => `insmod /mods/${m}.ko || echo "SD-LANE insmod ${m} failed"`).join("\n")}
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose host /host || { echo "SD-LANE cannot mount the host share"; poweroff -f; }
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay ${R} || { echo "SD-LANE cannot mount the overlay"; poweroff -f; }
# A fresh /tmp and /var/tmp: systemd-tmpfiles would otherwise clean the host's (as overlay whiteouts, for minutes).
mount -t tmpfs -o mode=1777 tmp ${R}/tmp
mount -t tmpfs -o mode=1777 vartmp ${R}/var/tmp
${keep}
# The host's machine-id and container markers show through the share: without these, systemd thinks
# it is in a container (Docker) and ignores systemd.unit= on the kernel command line.
cat /proc/sys/kernel/random/uuid | tr -d - > ${R}/etc/machine-id
echo cgroupkit-ci > ${R}/etc/hostname
rm -f ${R}/.dockerenv ${R}/run/.containerenv
mkdir -p ${R}/etc/systemd/system
cat > ${R}/etc/systemd/system/ci.target <<'UNIT'
[Unit]
Description=cgroupkit CI target
Requires=basic.target
Wants=ci.service
After=basic.target
AllowIsolate=yes
UNIT
cat > ${R}/etc/systemd/system/ci.service <<'UNIT'
[Unit]
Description=cgroupkit systemd suite
After=basic.target dbus.socket
Requires=dbus.socket
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate
[Service]
Type=exec
ExecStart=/bin/sh /ci-run.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
RuntimeMaxSec=${runtimeMaxSec}
ExecStopPost=/bin/sh -c 'echo "SD-LANE ci.service ended: result=$SERVICE_RESULT status=$EXIT_STATUS" > /dev/ttyS0'
UNIT
cp /ci-run.sh ${R}/ci-run.sh
umount /proc /sys
mount --move /dev ${R}/dev
exec switch_root ${R} /lib/systemd/systemd
`;
}

runLane({
  lane: "systemd-lane",
  what: "systemd tests",
  resultFile: path.join(projectRoot, "temp", "systemd-result.json"),
  // The suite runs node over 9p under TCG on a shared host: about 60 s of tests when idle, several times that when busy.
  defaultTimeoutSeconds: 540,
  prerequisites() {
    const { found, missing } = findQemuPrerequisites(MODULES);
    missing.push(...packageProblems());
    return missing.length ? { missing } : { found, missing };
  },
  prepare(pre, token, dir, timeoutSeconds) {
    const initramfs = path.join(dir, "initramfs.cpio.gz");
    const runtimeMaxSec = Math.max(30, Math.floor(timeoutSeconds - BOOT_ALLOWANCE));
    writeBusyboxInitramfs(initramfs, pre, initScript(pre.modules.map((m) => m.name), runtimeMaxSec), ["rw", "newroot"], [
      { name: "ci-run.sh", data: Buffer.from(ciScript(token, process.argv.slice(2))), mode: 0o755 },
    ]);
    const append = [
      "console=ttyS0 quiet panic=-1",
      "systemd.unified_cgroup_hierarchy=1",
      // Only basic.target and the suite: none of the host's enabled services.
      "systemd.unit=ci.target",
      "fstab=no",
      // Speed under TCG: nothing here needs coldplug, time sync, binfmt, the persistent journal, random-seed
      // or sysusers (the host's /etc has its users); timers would start the host's apt/man-db jobs.
      ...["systemd-udev-trigger.service", "systemd-timesyncd.service", "systemd-binfmt.service", "systemd-journal-flush.service", "systemd-random-seed.service", "systemd-sysusers.service", "timers.target"].map((u) => `systemd.mask=${u}`),
    ].join(" ");
    return { initramfs, append, banner: `kernel ${pre.kernel}, systemd from the host's /, suite RuntimeMaxSec ${runtimeMaxSec} s` };
  },
});
