// What every verb runs with: output streams, the --json switch, the filesystem, and group lookup.
import { Cgroup } from "../cgroup/cgroup.js";
import { readCgroupLayout, type CgroupHierarchy, type CgroupLayout } from "../cgroup/mounts.js";
import { parseGroupName } from "../cgroup/names.js";
import { CgroupIoError, UnsupportedError } from "../runtime/errors.js";
import { nodeCgroupFs, type CgroupFs } from "../runtime/fs.js";
import type { ParsedArgs } from "./args.js";
import { toJson } from "./output.js";

/** Where a verb writes. @internal */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A failure to report as one line with an exit status, when no typed error says it better. @internal */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The context of one verb invocation. @internal */
export class CliContext {
  private layoutPromise: Promise<CgroupLayout> | undefined;

  constructor(
    readonly args: ParsedArgs,
    readonly io: CliIo,
    readonly fs: CgroupFs = nodeCgroupFs,
  ) {}

  get json(): boolean {
    return this.args.flags.has("json");
  }

  /** Print a line (or a JSON document with --json) on stdout. */
  print(text: string): void {
    this.io.stdout(text.endsWith("\n") || text === "" ? text : `${text}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout(`${toJson(value)}\n`);
  }

  /**
   * The live layout; a host without any cgroup filesystem is refused here with one clear line.
   * @throws CliError when nothing is mounted
   */
  async layout(): Promise<CgroupLayout> {
    this.layoutPromise ??= readCgroupLayout({ fs: this.fs });
    const layout = await this.layoutPromise;
    if (layout.kind === "none") {
      throw new CliError("no cgroup filesystem is mounted (nothing of type cgroup or cgroup2 in /proc/self/mountinfo); mount one first, e.g. mount -t cgroup2 none /sys/fs/cgroup");
    }
    return layout;
  }

  /**
   * Open an existing group in every mounted hierarchy that has it (a group made by
   * `cgcreate -g memory:x` exists in one hierarchy only; that is still the group).
   * @throws CliError when no hierarchy (of `within`, if given) has it
   */
  async openGroup(name: string, options: { readonly within?: readonly CgroupHierarchy[] } = {}): Promise<Cgroup> {
    return (await this.openGroups([name], options))[0] as Cgroup;
  }

  /**
   * Open existing groups, each as {@link CliContext.openGroup} does; parent directories they share are checked once.
   * `within`: only the hierarchies the caller will touch (get of some files over many groups), so the others are never looked up.
   * @throws CliError naming the first group no hierarchy has
   */
  async openGroups(names: readonly string[], options: { readonly within?: readonly CgroupHierarchy[] } = {}): Promise<Cgroup[]> {
    const layout = await this.layout();
    const mounted = (options.within ?? layout.hierarchies).filter((h) => h.mountPoint !== undefined);
    try {
      return await Cgroup.openExisting(names, { layout: layoutOf(layout, mounted), fs: this.fs });
    } catch (err) {
      if (err instanceof CgroupIoError && err.errno === "ENOENT" && err.op === "open") {
        // `cgdelete memory:web` habit: libcgroup's CONTROLLERS:PATH is typed after -g here.
        const spec = /^([\w=*,]+):(.+)$/.exec(err.path);
        const hint = spec ? `; for libcgroup's CONTROLLERS:PATH type -g ${err.path}` : "";
        throw new CliError(`no such group: ${err.path} (in none of the mounted hierarchies${hint})`);
      }
      if (err instanceof UnsupportedError) throw new CliError(`no such group: ${names.length === 1 ? names[0] : "…"} (no hierarchy is mounted where this process can use it)`);
      throw err;
    }
  }
}

/** The layout restricted to some hierarchies (the others look unmounted to the handle). @internal */
export function layoutOf(layout: CgroupLayout, keep: readonly CgroupHierarchy[]): CgroupLayout {
  const v1 = layout.v1.filter((h) => keep.includes(h));
  const v2 = layout.v2 && keep.includes(layout.v2) ? layout.v2 : undefined;
  const kind = v1.length > 0 && v2 ? "hybrid" : v1.length > 0 ? "v1" : v2 ? "v2" : "none";
  return { kind, hierarchies: layout.hierarchies.filter((h) => keep.includes(h)), v1, v2 };
}

/** A hierarchy as the CLI names it: `cgroup2`, `name=systemd`, or its v1 controllers (`cpu,cpuacct`). @internal */
export function hierarchyLabel(h: CgroupHierarchy): string {
  return h.version === "v2" ? "cgroup2" : h.name !== undefined ? `name=${h.name}` : h.controllers.join(",");
}

/** A group name as typed: a leading `/` (as /proc/PID/cgroup prints it) is accepted. @internal */
export function groupArg(text: string): string {
  const name = text.startsWith("/") ? text.slice(1) : text;
  parseGroupName(name);
  return name;
}
