// runc and crun as reference implementations of OCI `linux.resources`: a minimal bundle (a static busybox
// running `sleep`), a detached container per object under a test-owned parent, always deleted.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type RuntimeName = "runc" | "crun";

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const p = path.join(dir, command);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

export const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => fs.existsSync(p));

/** A bundle directory with a read-only rootfs holding busybox, and a state root per runtime; removed by dispose(). */
export class Bundles {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-oci-"));
  private readonly rootfs = path.join(this.dir, "rootfs");
  private readonly base: Record<string, any>;
  private readonly live: Array<{ runtime: RuntimeName; id: string }> = [];

  constructor() {
    fs.mkdirSync(path.join(this.rootfs, "bin"), { recursive: true });
    fs.copyFileSync(BUSYBOX!, path.join(this.rootfs, "bin/busybox"));
    fs.chmodSync(path.join(this.rootfs, "bin/busybox"), 0o755);
    const spec = spawnSync("runc", ["spec", "--bundle", this.dir], { encoding: "utf8" });
    if (spec.status !== 0) throw new Error(`runc spec: ${spec.stderr}`);
    this.base = JSON.parse(fs.readFileSync(path.join(this.dir, "config.json"), "utf8"));
    this.base.process.terminal = false;
    this.base.process.args = ["/bin/busybox", "sleep", "600"];
    this.base.root = { path: this.rootfs, readonly: true };
  }

  /** Start a detached container whose cgroup is `cgroupsPath` with these resources; the runtime's error text, or undefined. */
  run(runtime: RuntimeName, id: string, cgroupsPath: string, resources: unknown): string | undefined {
    const bundle = path.join(this.dir, id);
    fs.mkdirSync(bundle);
    const config = structuredClone(this.base);
    config.linux.cgroupsPath = cgroupsPath;
    // The default device list comes from the runtime either way; the device ACL is compared by the device tests.
    config.linux.resources = { devices: config.linux.resources?.devices ?? [{ allow: false, access: "rwm" }], ...(resources as object) };
    fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(config));
    this.live.push({ runtime, id });
    const result = this.invoke(runtime, ["run", "-d", "-b", bundle, id]);
    return result.status === 0 ? undefined : (result.stderr || result.stdout || `exit ${result.status}`).trim();
  }

  delete(runtime: RuntimeName, id: string): void {
    this.invoke(runtime, ["delete", "-f", id]);
    const i = this.live.findIndex((c) => c.runtime === runtime && c.id === id);
    if (i >= 0) this.live.splice(i, 1);
  }

  /** The container inherits the runtime's stdio: a pipe would stay open as long as its `sleep` runs, so output goes to a file. */
  private invoke(runtime: RuntimeName, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const log = path.join(this.dir, "runtime.log");
    const fd = fs.openSync(log, "w");
    try {
      const result = this.spawn(runtime, args, fd);
      const text = fs.readFileSync(log, "utf8");
      return { status: result.status, stdout: "", stderr: result.error ? `${result.error.message}: ${text}` : text };
    } finally {
      fs.closeSync(fd);
    }
  }

  private spawn(runtime: RuntimeName, args: string[], fd: number) {
    const root = path.join(this.dir, `${runtime}-state`);
    const options = { stdio: ["ignore", fd, fd] as ["ignore", number, number], timeout: 30_000 };
    if (runtime === "runc") return spawnSync("runc", ["--root", root, ...args], options);
    // crun 1.8.1 refuses a hybrid host; in a private mount namespace without the cgroup2 mount it sees pure v1.
    const crun = ["crun", "--root", root, "--cgroup-manager=cgroupfs", ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const unmount = fs.existsSync("/sys/fs/cgroup/unified/cgroup.controllers") ? "umount /sys/fs/cgroup/unified && " : "";
    return spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", `${unmount}exec ${crun}`], options);
  }

  /** Delete every container still known, then the bundles. */
  dispose(): void {
    for (const { runtime, id } of [...this.live]) this.delete(runtime, id);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
