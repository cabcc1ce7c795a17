// libcgroup's command-line tools (Debian/Ubuntu package cgroup-tools): found, versioned, run.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const LIBCGROUP_TOOLS = ["cgcreate", "cgset", "cgget", "cgexec", "cgdelete"] as const;
export type LibcgroupTool = (typeof LIBCGROUP_TOOLS)[number];

export const INSTALL_HINT = "apt-get install -y cgroup-tools   # Debian/Ubuntu (Fedora/RHEL: dnf install -y libcgroup-tools)";

export interface LibcgroupTools {
  /** Absolute path of each tool found on PATH. */
  readonly paths: Readonly<Partial<Record<LibcgroupTool, string>>>;
  readonly missing: readonly LibcgroupTool[];
  /** Package version, where the package manager knows it. */
  readonly version: string | undefined;
}

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export function findLibcgroupTools(): LibcgroupTools {
  const paths: Partial<Record<LibcgroupTool, string>> = {};
  const missing: LibcgroupTool[] = [];
  for (const tool of LIBCGROUP_TOOLS) {
    const found = which(tool);
    if (found) paths[tool] = found;
    else missing.push(tool);
  }
  let version: string | undefined;
  const dpkg = spawnSync("dpkg-query", ["-W", "-f=${Version}", "cgroup-tools"], { encoding: "utf8" });
  if (dpkg.status === 0 && dpkg.stdout.trim() !== "") version = `cgroup-tools ${dpkg.stdout.trim()}`;
  return { paths, missing, version };
}

/** Why libcgroup contenders are skipped, or undefined when every tool named is there. */
export function libcgroupMissing(tools: LibcgroupTools, needed: readonly LibcgroupTool[]): string | undefined {
  const lacking = needed.filter((t) => tools.paths[t] === undefined);
  if (lacking.length === 0) return undefined;
  return `skipped: ${lacking.join(", ")} not found; install with: ${INSTALL_HINT}`;
}

/** Run a tool to completion; throw with its stderr on a non-zero exit. */
export function runTool(tool: string, args: readonly string[]): SpawnSyncReturns<string> {
  const r = spawnSync(tool, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(tool)} ${args.slice(0, 6).join(" ")}${args.length > 6 ? " …" : ""}: exit ${r.status}: ${r.stderr.trim().slice(0, 400)}`);
  return r;
}
