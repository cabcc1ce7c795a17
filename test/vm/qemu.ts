// What the qemu lanes share (test/vm/lane.ts: busybox init; test/systemd/lane.ts: systemd as PID 1):
// finding qemu, a Debian kernel with the modules a lane needs and a static busybox; booting qemu with
// a hard timeout while watching the serial console for a token-bearing closing line, a panic or an
// oops; and turning vitest's JSON report inside the VM into that closing line.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isStaticElf, resolveModules, type ModuleFile } from "./initramfs.js";

export const projectRoot = path.resolve(import.meta.dirname, "../..");

export function findOnPath(binary: string): string | undefined {
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

/** Single-quote for sh. */
export function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface Missing {
  readonly what: string;
  /** The Debian package that provides it. */
  readonly pkg: string;
}

export interface QemuPrerequisites {
  qemu: string;
  kernel: string;
  kernelVersion: string;
  modules: ModuleFile[];
  busybox: string;
}

/**
 * qemu, the newest /boot/vmlinuz-<v> whose /lib/modules/<v> has `wantedModules` (or the one named
 * by CGROUPKIT_VM_KERNEL), and a static busybox; every missing piece with the package providing it.
 */
export function findQemuPrerequisites(wantedModules: readonly string[]): { found?: QemuPrerequisites; missing: Missing[] } {
  const missing: Missing[] = [];
  const qemu = findOnPath("qemu-system-x86_64");
  if (!qemu) missing.push({ what: "qemu-system-x86_64 is not on PATH", pkg: "qemu-system-x86" });

  let kernel: string | undefined;
  let kernelVersion: string | undefined;
  let modules: ModuleFile[] | undefined;
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
      modules = resolveModules(modulesDir, wantedModules);
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
        `no usable kernel: need /boot/vmlinuz-<version> with matching /lib/modules/<version> holding ${wantedModules.join(", ")}` +
        (kernelProblems.length ? `; ${kernelProblems.join("; ")}` : ""),
      pkg: "linux-image-amd64",
    });
  }

  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p) && isStaticElf(p));
  if (!busybox) missing.push({ what: "no statically linked busybox at /bin/busybox or /usr/bin/busybox", pkg: "busybox-static" });

  for (const [suffix, tool, pkg] of [[".xz", "xz", "xz-utils"], [".zst", "zstd", "zstd"]] as const) {
    if (modules?.some((m) => m.file.endsWith(suffix)) && !findOnPath(tool)) missing.push({ what: `the kernel's modules are ${tool}-compressed and ${tool} is not on PATH`, pkg });
  }
  if (missing.length || !qemu || !kernel || !kernelVersion || !modules || !busybox) return { missing };
  return { found: { qemu, kernel, kernelVersion, modules, busybox }, missing };
}

/** The message for missing prerequisites: each one, then the apt-get line that installs them all. */
export function describeMissing(lane: string, missing: readonly Missing[]): string {
  const packages = [...new Set(missing.map((m) => m.pkg))].join(" ");
  return `[${lane}] cannot run the qemu lane:\n${missing.map((m) => `  - ${m.what} (Debian package ${m.pkg})`).join("\n")}\ninstall with (as root):\n  apt-get install -y ${packages}`;
}

/** The counts a lane's closing line carries, from vitest's JSON report inside the VM. */
export interface LaneCounts {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  vitestExit: number;
}

/**
 * The shell command (inside the VM, from the project root) that runs vitest with `config` over
 * `suiteArgs` with the host's node, writing the JSON report to `report`.
 */
export function vitestCommand(config: string, report: string, suiteArgs: readonly string[]): string {
  return [
    sh(process.execPath),
    "node_modules/vitest/vitest.mjs",
    "run",
    "--config",
    config,
    // "runner" loads the config in memory; the default bundler writes a temp file into node_modules (read-only in the busybox lane).
    "--configLoader=runner",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...suiteArgs.map(sh),
  ].join(" ");
}

/**
 * A node one-liner (run inside the VM, argv[1] = vitest's exit status) printing the closing line
 * from vitest's JSON report. It reads the report, so a crash before the report exists prints none.
 */
export function closingLineScript(report: string, token: string): string {
  return `const r=require(${JSON.stringify(report)});console.log("VM-RESULT ${token} "+r.numPassedTests+" passed, "+r.numFailedTests+" failed, "+(r.numPendingTests+r.numTodoTests)+" skipped, "+r.testResults.length+" files, exit "+process.argv[1])`;
}

export interface BootOutcome {
  counts?: LaneCounts;
  panicked: boolean;
  oopses: string[];
  timedOut: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** qemu start to qemu exit. */
  seconds: number;
}

let runningQemu: ChildProcess | undefined;

// Never leave a qemu behind when a lane itself is interrupted.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (runningQemu?.pid !== undefined && runningQemu.exitCode === null) process.kill(runningQemu.pid, "SIGKILL");
    process.exit(130);
  });
}

/**
 * Boot qemu (TCG, 2 vCPUs on one host thread, 2 GiB, the host's `/` as a read-only 9p share
 * tagged `host`), echo the serial console, and watch it for the closing line with `token`.
 */
export async function bootQemu(options: { qemu: string; kernel: string; initramfs: string; append: string; timeoutSeconds: number; token: string }): Promise<BootOutcome> {
  const args = [
    // One host thread for both vCPUs: with multi-threaded TCG, a vCPU can run a stale translation of
    // kernel text another vCPU just live-patched (static keys flip when a BPF program attaches), and
    // the kernel dies of an unexpected int3.
    "-accel", "tcg,thread=single",
    "-m", "2048",
    "-smp", "2",
    "-nographic", "-no-reboot",
    "-kernel", options.kernel,
    "-initrd", options.initramfs,
    "-append", options.append,
    "-virtfs", "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
  ];
  const started = Date.now();
  const qemu = spawn(options.qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
  runningQemu = qemu;
  let counts: LaneCounts | undefined;
  let panicked = false;
  const oopses: string[] = [];
  let timedOut = false;
  let pending = "";
  const closing = new RegExp(`VM-RESULT ${options.token} (\\d+) passed, (\\d+) failed, (\\d+) skipped, (\\d+) files, exit (\\d+)$`);
  const onLine = (raw: string) => {
    // Drop carriage returns and terminal control sequences (the firmware's reset and no-wrap, vitest's cursor).
    const line = raw.replace(/\r/g, "").replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|c)/g, "");
    process.stdout.write(`${line}\n`);
    const m = closing.exec(line);
    if (m) counts = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]), files: Number(m[4]), vitestExit: Number(m[5]) };
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
  }, options.timeoutSeconds * 1000);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    qemu.on("error", reject);
    qemu.on("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(killer);
  runningQemu = undefined;
  if (pending) onLine(pending);
  return { counts, panicked, oopses, timedOut, exit, seconds: (Date.now() - started) / 1000 };
}

/**
 * Judge a boot: every reason it is not a pass (empty when it is), after writing the counts to
 * `resultFile` for test/run.ts and logging them.
 */
export function judgeBoot(lane: string, what: string, outcome: BootOutcome, resultFile: string, laneStarted: number): string[] {
  const total = (Date.now() - laneStarted) / 1000;
  const { counts } = outcome;
  const problems: string[] = [];
  if (outcome.timedOut) problems.push(`the VM did not finish in time and was killed (set CGROUPKIT_VM_TIMEOUT to allow more)`);
  if (outcome.panicked) problems.push("the kernel panicked");
  if (outcome.oopses.length) problems.push(`the kernel reported ${outcome.oopses.length} oops/BUG/WARNING: ${outcome.oopses[0]}`);
  if (!outcome.timedOut && (outcome.exit.code !== 0 || outcome.exit.signal)) problems.push(`qemu exited with ${outcome.exit.signal ?? `status ${outcome.exit.code}`}`);
  if (!counts) problems.push("the closing VM-RESULT line never arrived: the suite did not finish inside the VM");
  else {
    if (counts.failed > 0) problems.push(`${counts.failed} ${what} failed inside the VM`);
    if (counts.passed === 0) problems.push(`no ${what} passed inside the VM: a lane that runs nothing proves nothing`);
    if (counts.skipped > 0) problems.push(`${counts.skipped} ${what} were skipped: every test must run inside the VM`);
    if (counts.vitestExit !== 0) problems.push(`vitest exited with ${counts.vitestExit} inside the VM`);
    fs.mkdirSync(path.dirname(resultFile), { recursive: true });
    fs.writeFileSync(resultFile, JSON.stringify({ ...counts, bootToResultSeconds: outcome.seconds, totalSeconds: total }, null, 2));
  }
  const summary = counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${counts.files} files` : "no result";
  process.stdout.write(`[${lane}] ${what} inside the VM: ${summary}; qemu start to end ${outcome.seconds.toFixed(1)} s, lane total ${total.toFixed(1)} s\n`);
  if (problems.length) console.error(`[${lane}] FAILED:\n  - ${problems.join("\n  - ")}`);
  else process.stdout.write(`[${lane}] PASSED\n`);
  return problems;
}

/** The lane timeout in seconds: CGROUPKIT_VM_TIMEOUT or the lane's default; throws on nonsense. */
export function laneTimeoutSeconds(fallback: number): number {
  const value = Number(process.env.CGROUPKIT_VM_TIMEOUT ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`CGROUPKIT_VM_TIMEOUT must be a positive number of seconds, not ${JSON.stringify(process.env.CGROUPKIT_VM_TIMEOUT)}`);
  return value;
}

/** Run a lane as the process's job: its exit status is the verdict, 1 on a thrown error. */
export function runLane(spec: LaneSpec): void {
  const { lane } = spec;
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.error(`[${lane}] the qemu lanes run on x86_64 Linux hosts only`);
    process.exitCode = 1;
    return;
  }
  laneMain(spec).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`[${lane}] ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    },
  );
}

/** What makes one lane: its prerequisites, and its initramfs and kernel command line for a boot. */
export interface LaneSpec {
  /** Log prefix, e.g. `vm-lane`. */
  readonly lane: string;
  /** What its tests are called in messages, e.g. `v2 tests`. */
  readonly what: string;
  /** Where the counts go for test/run.ts. */
  readonly resultFile: string;
  readonly defaultTimeoutSeconds: number;
  readonly prerequisites: () => { found?: QemuPrerequisites; missing: Missing[] };
  /** Write the initramfs into `dir`; `token` goes into the closing line. */
  readonly prepare: (pre: QemuPrerequisites, token: string, dir: string, timeoutSeconds: number) => { initramfs: string; append: string; banner: string };
}

/** A lane from prerequisites to verdict: 0 when it passed, 1 otherwise (the reasons are printed). */
export async function laneMain(spec: LaneSpec): Promise<number> {
  const started = Date.now();
  const timeoutSeconds = laneTimeoutSeconds(spec.defaultTimeoutSeconds);
  const { found: pre, missing } = spec.prerequisites();
  if (!pre || missing.length) {
    console.error(describeMissing(spec.lane, missing));
    return 1;
  }
  fs.rmSync(spec.resultFile, { force: true });
  const token = randomBytes(6).toString("hex");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cgroupkit-${spec.lane}-`));
  try {
    const { initramfs, append, banner } = spec.prepare(pre, token, dir, timeoutSeconds);
    process.stdout.write(`[${spec.lane}] ${banner}, initramfs ${(fs.statSync(initramfs).size / 1024).toFixed(0)} KiB, timeout ${timeoutSeconds} s\n`);
    const outcome = await bootQemu({ qemu: pre.qemu, kernel: pre.kernel, initramfs, append, timeoutSeconds, token });
    return judgeBoot(spec.lane, spec.what, outcome, spec.resultFile, started).length ? 1 : 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
