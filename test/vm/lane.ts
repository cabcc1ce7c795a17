// `npm run test:vm`: boot a Debian kernel in qemu (pure cgroup v2, every controller) and run the
// v2 suite (test/vm/*.test.ts) inside it against the real kernel, through a read-only 9p share of
// the host's `/`. Installs nothing; builds the initramfs at run time; fails on a failed suite, a
// panic, a hang (hard timeout) or a missing closing line.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeBusyboxInitramfs } from "./initramfs.js";
import { closingLineScript, vitestCommand, findOnPath, findQemuPrerequisites, projectRoot, runLane, sh, type Missing, type QemuPrerequisites } from "./qemu.js";

// 9p over virtio; null_blk for a block device that io.max / io.weight / io.stat can name; a dummy
// network device and soft-RoCE (rdma_rxe, which needs the crc32 crypto module) for an RDMA device
// that rdma.max can name. The VM has no modprobe, so the kernel cannot load these on demand.
const MODULES = ["virtio_pci", "9pnet_virtio", "9p", "null_blk", "dummy", "crc32_generic", "rdma_rxe"];
const MODULE_PARAMS: Readonly<Record<string, string>> = { dummy: "numdummies=1" };

/** Every missing prerequisite with the package that provides it; empty when the lane can run. */
function checkPrerequisites(): { found?: QemuPrerequisites; missing: Missing[] } {
  const { found, missing } = findQemuPrerequisites(MODULES);
  // The suite runs the host's own tools inside the VM (the share is the host's /): `ip` and `rdma` set up the RDMA device.
  for (const tool of ["ip", "rdma"]) if (!findOnPath(tool)) missing.push({ what: `${tool} is not on PATH`, pkg: "iproute2" });
  return missing.length ? { missing } : { found, missing };
}

/**
 * Where the VM mounts its own tmpfs over the read-only share: the host's /tmp, unless the project
 * or node lives there (a clone under /tmp would be hidden by it).
 */
function vmScratchDir(): string {
  const inside = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);
  const candidates = ["/tmp", "/var/tmp", "/mnt", "/opt"];
  const dir = candidates.find((d) => fs.existsSync(d) && !inside(projectRoot, d) && !inside(process.execPath, d));
  if (!dir) throw new Error(`no directory for the VM's tmpfs: the project (${projectRoot}) or node (${process.execPath}) is under each of ${candidates.join(", ")}`);
  return dir;
}

/** The OCI differential's seed, passed into the VM: CGROUPKIT_OCI_DIFF_SEED=N npm run test:vm replays a run. */
function replaySeed(): string {
  // The VM always runs with CI=true, so outside CI the lane draws the seed here (the test's own rule for CI).
  const seed = process.env.CGROUPKIT_OCI_DIFF_SEED ?? (process.env.CI === "true" ? undefined : String(Date.now() % 2 ** 31));
  if (seed === undefined) return "";
  if (!/^\d+$/.test(seed)) throw new Error(`CGROUPKIT_OCI_DIFF_SEED: ${JSON.stringify(seed)} is not a seed (a non-negative integer)`);
  return ` CGROUPKIT_OCI_DIFF_SEED=${seed}`;
}

/** The VM's /init: mounts, modules, the host's `/` over 9p, cgroup2, then the suite in a chroot. */
function initScript(pre: QemuPrerequisites, token: string, suiteArgs: readonly string[]): string {
  const node = process.execPath;
  const scratch = vmScratchDir();
  const report = `${scratch}/cgroupkit-vm-vitest.json`;
  const vitest = vitestCommand("test/vm/vitest.config.ts", report, suiteArgs);
  const env = `env -i HOME=${scratch} TMPDIR=${scratch} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true CGROUPKIT_IN_VM=${token} NO_COLOR=1${replaySeed()}`;
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "VM-LANE booted: kernel $(uname -r), $(nproc) cpus"
${pre.modules.map((m) => `insmod /mods/${m.name}.ko ${MODULE_PARAMS[m.name] ?? ""} || echo "VM-LANE insmod ${m.name} failed"`).join("\n")}
mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose host /host; then
  echo "VM-LANE cannot mount the host share"; poweroff -f
fi
mount --bind /proc /host/proc
mount --bind /sys /host/sys
mount -t cgroup2 none /host/sys/fs/cgroup
mount --bind /dev /host/dev
mount -t tmpfs tmpfs /host${scratch}
echo "VM-LANE cgroup2 controllers: $(cat /host/sys/fs/cgroup/cgroup.controllers)"
chroot /host /bin/sh -c ${sh(`cd ${sh(projectRoot)} && ${env} ${vitest}; status=$?; ${env} ${sh(node)} -e ${sh(closingLineScript(report, token))} "$status"`)}
poweroff -f
`;
}

runLane({
  lane: "vm-lane",
  what: "v2 tests",
  resultFile: path.join(projectRoot, "temp", "vm-result.json"),
  defaultTimeoutSeconds: 420, // about 3 minutes on a busy 2-core host; well under this on CI
  prerequisites: checkPrerequisites,
  prepare(pre, token, dir) {
    const initramfs = path.join(dir, "initramfs.cpio.gz");
    writeBusyboxInitramfs(initramfs, pre, initScript(pre, token, process.argv.slice(2)), ["tmp"]);
    return { initramfs, append: "console=ttyS0 quiet panic=-1", banner: `kernel ${pre.kernel}, modules ${pre.modules.map((m) => m.name).join(" ")}, busybox ${pre.busybox}` };
  },
});
