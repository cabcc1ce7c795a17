// Several groups in one invocation: GROUP arguments and shell-style patterns (`'lxc/*'`), matched
// against the group directories of every mounted hierarchy, so a script does not start a process per group.
import type { CgroupHierarchy } from "../cgroup/mounts.js";
import { parseGroupName } from "../cgroup/names.js";
import { UsageError } from "./args.js";
import { CliError, groupArg, type CliContext } from "./context.js";
import { assertKnownFile, loadManifest, matchFileName } from "./control-files.js";

/** Whether a GROUP argument is a pattern: it has `*`, `?` or `[`. @internal */
export function isGroupPattern(text: string): boolean {
  return /[*?[]/.test(text);
}

/** One path component of a pattern as a regular expression: `*` any run, `?` one character, `[a-z]`/`[!x]` a class; never `/`. */
function componentPattern(component: string, pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < component.length; i++) {
    const c = component[i] as string;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const close = component.indexOf("]", i + 2);
      if (close < 0) throw new UsageError(`group pattern ${JSON.stringify(pattern)}: unclosed [`);
      let body = component.slice(i + 1, close);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * The groups a pattern matches, in any mounted hierarchy (sorted, each once). Directories are listed,
 * never followed through a symlink; hierarchies mounted from a subtree (a cgroup namespace) are not searched.
 * @throws UsageError for a malformed pattern; CliError when nothing matches
 * @internal
 */
export async function expandGroupPattern(ctx: CliContext, pattern: string): Promise<string[]> {
  const text = pattern.startsWith("/") ? pattern.slice(1) : pattern;
  // Validates the pattern as a name (no `..`, no empty component) before anything is listed.
  const components = parseGroupName(text).map((c) => (isGroupPattern(c) ? componentPattern(c, pattern) : c));
  const layout = await ctx.layout();
  const found = new Set<string>();
  const roots = layout.hierarchies.filter((h): h is CgroupHierarchy & { mountPoint: string } => h.mountPoint !== undefined && h.root === "/");
  for (const h of roots) {
    let level: string[] = [""];
    for (const component of components) {
      const next: string[] = [];
      for (const rel of level) {
        const dir = rel === "" ? h.mountPoint : `${h.mountPoint}/${rel}`;
        if (typeof component === "string") {
          const stat = await ctx.fs.stat(`${dir}/${component}`);
          if (stat?.isDirectory && !stat.isSymbolicLink) next.push(rel === "" ? component : `${rel}/${component}`);
          continue;
        }
        let entries;
        try {
          entries = await ctx.fs.readdir(dir);
        } catch {
          continue; // removed while listing
        }
        for (const e of entries) if (e.isDirectory && component.test(e.name)) next.push(rel === "" ? e.name : `${rel}/${e.name}`);
      }
      level = next;
      if (level.length === 0) break;
    }
    for (const name of level) found.add(name);
  }
  if (found.size === 0) throw new CliError(`no group matches ${JSON.stringify(pattern)} (in none of the mounted hierarchies)`);
  return [...found].sort();
}

/** Whether an argument names a control file rather than a group: the spec knows it, or it is a near miss of a name the spec knows. */
function isFileArgument(text: string): boolean {
  if (matchFileName(text).length > 0) return true;
  // `memroy.max` is a typo of a file, not a group: the part before its first dot is one the spec's file names start with.
  const dot = text.indexOf(".");
  return dot > 0 && !text.includes("/") && !isGroupPattern(text) && filePrefixes().has(text.slice(0, dot));
}

let prefixes: Set<string> | undefined;
/** What the spec's file names start with before their first dot (`memory`, `cgroup`, `cpuacct`, …). */
function filePrefixes(): Set<string> {
  prefixes ??= new Set(loadManifest().map((e) => e.file.split(".")[0] as string));
  return prefixes;
}

/**
 * `GROUP… [FILE…]`: the first argument is a group; after it, a name the spec knows as a control file
 * (or a near miss of one) starts the files, and every argument from there on must be a file.
 * @internal
 */
export function splitGroupsAndFiles(positionals: readonly string[], verb: string): { groups: string[]; files: string[] } {
  const [first, ...rest] = positionals as [string, ...string[]];
  const groups = [first];
  let i = 0;
  for (; i < rest.length && !isFileArgument(rest[i] as string); i++) groups.push(rest[i] as string);
  const files = rest.slice(i);
  for (const f of files) {
    if (!isFileArgument(f)) throw new UsageError(`${JSON.stringify(f)} after the control files: groups come first (GROUP… FILE…)`, verb);
    assertKnownFile(f);
  }
  for (const g of groups) if (!isGroupPattern(g)) groupArg(g);
  return { groups, files };
}
