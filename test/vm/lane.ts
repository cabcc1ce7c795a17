// `npm run test:vm`: boot a Debian kernel in qemu (pure cgroup v2, every controller) and run the
// v2 suite (test/vm/*.test.ts) inside it against the real kernel, through a read-only 9p share of
// the host's `/`. Installs nothing; builds the initramfs at run time; fails on a failed suite, a
// panic, a hang (hard timeout) or a missing closing line.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cpioNewc, gzip, isStaticElf, moduleBytes, resolveModules, type CpioMember } from "./initramfs.js";

const projectRoot = path.resolve(import.meta.dirname, "../..");
// 9p over virtio; null_blk for a block device that io.max / io.weight / io.stat can name; a dummy
// network device and soft-RoCE (rdma_rxe, which needs the crc32 crypto module) for an RDMA device
// that rdma.max can name. The VM has no modprobe, so the kernel cannot load these on demand.
const MODULES = ["virtio_pci", "9pnet_virtio", "9p", "null_blk", "dummy", "crc32_generic", "rdma_rxe"];
const MODULE_PARAMS: Readonly<Record<string, string>> = { dummy: "numdummies=1" };
// About 3 minutes from qemu start to the result on a busy 2-core host; well under this on CI.
const timeoutSeconds = Number(process.env.CGROUPKIT_VM_TIMEOUT ?? 420);
const resultFile = path.join(projectRoot, "temp", "vm-result.json");
let runningQemu: ChildProcess | undefined;

interface Prerequisites {
  qemu: string;
  kernel: string;
  kernelVersion: string;
  modules: { name: string; file: string }[];
  busybox: string;
}

function log(message: string): void {
  process.stdout.write(`[vm-lane] ${message}\n`);
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

interface Missing {
  readonly what: string;
  /** The Debian package that provides it. */
  readonly pkg: string;
}

/** Every missing prerequisite with the package that provides it; empty when the lane can run. */
function checkPrerequisites(): { found?: Prerequisites; missing: Missing[] } {
  const missing: Missing[] = [];
  const qemu = findOnPath("qemu-system-x86_64");
  if (!qemu) missing.push({ what: "qemu-system-x86_64 is not on PATH", pkg: "qemu-system-x86" });

  // The newest /boot/vmlinuz-<v> whose /lib/modules/<v> has what the VM needs, or the one named by CGROUPKIT_VM_KERNEL.
  let kernel: string | undefined;
  let kernelVersion: string | undefined;
  let modules: Prerequisites["modules"] | undefined;
  const versions = process.env.CGROUPKIT_VM_KERNEL
    ? [process.env.CGROUPKIT_VM_KERNEL]
    : (fs.existsSync("/boot") ? fs.readdirSync("/boot") : [])
        .filter((f) => f.startsWith("vmlinuz-"))
        .map((f) => f.slice("vmlinuz-".length))
        .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  const kernelProblems: string[] = [];
  for (const v of versions) {
    const image = `/boot/vmlinuz-${v}`;
    const modulesDir = `/lib/modules/${v}`;
    if (!fs.existsSync(image)) {
      kernelProblems.push(`${image} does not exist`);
      continue;
    }
    if (!fs.existsSync(path.join(modulesDir, "modules.dep"))) {
      kernelProblems.push(`${image} has no ${modulesDir}/modules.dep`);
      continue;
    }
    try {
      modules = resolveModules(modulesDir, MODULES);
      kernel = image;
      kernelVersion = v;
      break;
    } catch (err) {
      kernelProblems.push(`${image}: ${(err as Error).message}`);
    }
  }
  if (!kernel) {
    missing.push({
      what:
        `no usable kernel: need /boot/vmlinuz-<version> with matching /lib/modules/<version> holding ${MODULES.join(", ")}` +
        (kernelProblems.length ? `; ${kernelProblems.join("; ")}` : ""),
      pkg: "linux-image-amd64",
    });
  }

  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p) && isStaticElf(p));
  if (!busybox) missing.push({ what: "no statically linked busybox at /bin/busybox or /usr/bin/busybox", pkg: "busybox-static" });

  // The suite runs the host's own tools inside the VM (the share is the host's /): `ip` and `rdma` set up the RDMA device.
  for (const tool of ["ip", "rdma"]) if (!findOnPath(tool)) missing.push({ what: `${tool} is not on PATH`, pkg: "iproute2" });
  for (const [suffix, tool, pkg] of [[".xz", "xz", "xz-utils"], [".zst", "zstd", "zstd"]] as const) {
    if (modules?.some((m) => m.file.endsWith(suffix)) && !findOnPath(tool)) missing.push({ what: `the kernel's modules are ${tool}-compressed and ${tool} is not on PATH`, pkg });
  }

  if (missing.length || !qemu || !kernel || !kernelVersion || !modules || !busybox) return { missing };
  return { found: { qemu, kernel, kernelVersion, modules, busybox }, missing };
}

/** Single-quote for sh. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
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

/** The VM's /init: mounts, modules, the host's `/` over 9p, cgroup2, then the suite in a chroot. */
function initScript(pre: Prerequisites, token: string, suiteArgs: readonly string[]): string {
  const node = process.execPath;
  const scratch = vmScratchDir();
  const report = `${scratch}/cgroupkit-vm-vitest.json`;
  const vitest = [
    sh(node),
    "node_modules/vitest/vitest.mjs",
    "run",
    "--config",
    "test/vm/vitest.config.ts",
    // "runner" loads the config in memory; the default bundler writes a temp file into node_modules (read-only here).
    "--configLoader=runner",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...suiteArgs.map(sh),
  ].join(" ");
  // The closing line comes from vitest's JSON report, so a crash before the report exists prints none.
  const summarize = `const r=require(${JSON.stringify(report)});console.log("VM-RESULT ${token} "+r.numPassedTests+" passed, "+r.numFailedTests+" failed, "+(r.numPendingTests+r.numTodoTests)+" skipped, "+r.testResults.length+" files, exit "+process.argv[1])`;
  const env = `env -i HOME=${scratch} TMPDIR=${scratch} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true CGROUPKIT_IN_VM=${token} NO_COLOR=1`;
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
chroot /host /bin/sh -c ${sh(`cd ${sh(projectRoot)} && ${env} ${vitest}; status=$?; ${env} ${sh(node)} -e ${sh(summarize)} "$status"`)}
poweroff -f
`;
}

function buildInitramfs(pre: Prerequisites, dir: string, init: string): string {
  const members: CpioMember[] = [
    ...["bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "host", "tmp", "mods"].map((name) => ({ kind: "dir" as const, name })),
    { kind: "file", name: "bin/busybox", data: fs.readFileSync(pre.busybox), mode: 0o755 },
    { kind: "file", name: "init", data: Buffer.from(init), mode: 0o755 },
    ...pre.modules.map((m) => ({ kind: "file" as const, name: `mods/${m.name}.ko`, data: moduleBytes(m.file) })),
  ];
  const file = path.join(dir, "initramfs.cpio.gz");
  fs.writeFileSync(file, gzip(cpioNewc(members)));
  return file;
}

interface LaneResult {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  vitestExit: number;
}

async function main(): Promise<number> {
  const started = Date.now();
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.error("[vm-lane] the qemu lane runs on x86_64 Linux hosts only");
    return 1;
  }
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    console.error(`[vm-lane] CGROUPKIT_VM_TIMEOUT must be a positive number of seconds, not ${JSON.stringify(process.env.CGROUPKIT_VM_TIMEOUT)}`);
    return 1;
  }
  const { found: pre, missing } = checkPrerequisites();
  if (!pre) {
    const packages = [...new Set(missing.map((m) => m.pkg))].join(" ");
    console.error(`[vm-lane] cannot run the qemu lane:\n${missing.map((m) => `  - ${m.what} (Debian package ${m.pkg})`).join("\n")}\ninstall with (as root):\n  apt-get install -y ${packages}`);
    return 1;
  }
  fs.rmSync(resultFile, { force: true });
  const token = randomBytes(6).toString("hex");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-vm-"));
  try {
    const initramfs = buildInitramfs(pre, dir, initScript(pre, token, process.argv.slice(2)));
    log(`kernel ${pre.kernel}, modules ${pre.modules.map((m) => m.name).join(" ")}, busybox ${pre.busybox}, initramfs ${(fs.statSync(initramfs).size / 1024).toFixed(0)} KiB, timeout ${timeoutSeconds} s`);
    const args = [
      // One host thread for both vCPUs: with multi-threaded TCG, a vCPU can run a stale translation of
      // kernel text another vCPU just live-patched (static keys flip when a BPF program attaches), and
      // the kernel dies of an unexpected int3.
      "-accel", "tcg,thread=single",
      "-m", "2048",
      "-smp", "2",
      "-nographic", "-no-reboot",
      "-kernel", pre.kernel,
      "-initrd", initramfs,
      "-append", "console=ttyS0 quiet panic=-1",
      "-virtfs", "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
    ];
    const bootStarted = Date.now();
    const qemu = spawn(pre.qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    runningQemu = qemu;
    let result: LaneResult | undefined;
    let panicked = false;
    const oopses: string[] = [];
    let timedOut = false;
    let pending = "";
    const closing = new RegExp(`VM-RESULT ${token} (\\d+) passed, (\\d+) failed, (\\d+) skipped, (\\d+) files, exit (\\d+)$`);
    const onLine = (raw: string) => {
      // Drop carriage returns and terminal control sequences (the firmware's reset and no-wrap, vitest's cursor).
      const line = raw.replace(/\r/g, "").replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|c)/g, "");
      process.stdout.write(`${line}\n`);
      const m = closing.exec(line);
      if (m) result = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]), files: Number(m[4]), vitestExit: Number(m[5]) };
      if (/Kernel panic - not syncing/.test(line)) panicked = true;
      if (/\] (Oops|BUG|WARNING):/.test(line)) oopses.push(line.trim());
    };
    // Line-buffered, so a terminal control sequence split across reads is still dropped whole.
    qemu.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      lines.forEach(onLine);
    });
    qemu.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    const killer = setTimeout(() => {
      timedOut = true;
      if (qemu.pid !== undefined) process.kill(qemu.pid, "SIGKILL");
    }, timeoutSeconds * 1000);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      qemu.on("error", reject);
      qemu.on("close", (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(killer);
    runningQemu = undefined;
    if (pending) onLine(pending);
    const bootToEnd = (Date.now() - bootStarted) / 1000;
    const total = (Date.now() - started) / 1000;

    const problems: string[] = [];
    if (timedOut) problems.push(`the VM did not finish within ${timeoutSeconds} s and was killed (set CGROUPKIT_VM_TIMEOUT to allow more)`);
    if (panicked) problems.push("the kernel panicked");
    if (oopses.length) problems.push(`the kernel reported ${oopses.length} oops/BUG/WARNING: ${oopses[0]}`);
    if (!timedOut && (exit.code !== 0 || exit.signal)) problems.push(`qemu exited with ${exit.signal ?? `status ${exit.code}`}`);
    if (!result) problems.push("the closing VM-RESULT line never arrived: the suite did not finish inside the VM");
    else {
      if (result.failed > 0) problems.push(`${result.failed} v2 tests failed inside the VM`);
      if (result.passed === 0) problems.push("no v2 test passed inside the VM: a lane that runs nothing proves nothing");
      if (result.skipped > 0) problems.push(`${result.skipped} v2 tests were skipped: every test must run inside the VM`);
      if (result.vitestExit !== 0) problems.push(`vitest exited with ${result.vitestExit} inside the VM`);
    }
    if (result) {
      fs.mkdirSync(path.dirname(resultFile), { recursive: true });
      fs.writeFileSync(resultFile, JSON.stringify({ passed: result.passed, failed: result.failed, skipped: result.skipped, files: result.files, vitestExit: result.vitestExit, bootToResultSeconds: bootToEnd, totalSeconds: total }, null, 2));
    }
    const counts = result ? `${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped in ${result.files} files` : "no result";
    log(`v2 tests inside the VM: ${counts}; qemu start to end ${bootToEnd.toFixed(1)} s, lane total ${total.toFixed(1)} s`);
    if (problems.length) {
      console.error(`[vm-lane] FAILED:\n  - ${problems.join("\n  - ")}`);
      return 1;
    }
    log("PASSED");
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Never leave a qemu behind when the lane itself is interrupted.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (runningQemu?.pid !== undefined && runningQemu.exitCode === null) process.kill(runningQemu.pid, "SIGKILL");
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`[vm-lane] ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  },
);

