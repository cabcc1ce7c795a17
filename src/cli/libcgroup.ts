// libcgroup's command-line habits (cgcreate, cgdelete, cgset, cgget, cgexec, cgclassify): `-g CONTROLLERS:PATH`
// and `UID:GID` owners, read into what cgroupkit's own forms mean, so both spellings reach the same code.
import { selectHierarchies } from "../cgroup/cgroup.js";
import { checkControllerNames, KNOWN_CONTROLLERS, type ControllerName } from "../cgroup/controllers.js";
import { hierarchyFor, type CgroupHierarchy, type CgroupLayout } from "../cgroup/mounts.js";
import { closestName } from "../runtime/suggest.js";
import type { CgroupOwner } from "../cgroup/cgroup.js";
import { UsageError, type OptionSpec, type ParsedArgs } from "./args.js";
import { groupArg } from "./context.js";

/** One `-g CONTROLLERS:PATH`: a group and the hierarchies it is meant in (`*`: every mounted one). @internal */
export interface GroupSpec {
  readonly group: string;
  /** Undefined for `*`. */
  readonly controllers: readonly ControllerName[] | undefined;
}

/** The `-g` option of a verb that takes libcgroup's form. @internal */
export function groupSpecOption(verb: string): OptionSpec {
  return {
    name: "cgroup",
    short: "g",
    takes: "value",
    valueName: "CTRL[,CTRL]:PATH",
    repeat: true,
    help: `libcgroup's form: the group PATH in the hierarchies of these controllers ('*' for all)${verb === "create" ? "; without ':' the same as --controllers" : ""}`,
  };
}

/**
 * `memory,cpu:web` as a group and its controllers; the controllers are checked against the layout.
 * @throws UsageError saying what to type instead
 * @internal
 */
export function parseGroupSpec(layout: CgroupLayout, text: string, verb: string): GroupSpec {
  const colon = text.indexOf(":");
  if (colon < 0) throw new UsageError(`-g ${JSON.stringify(text)}: expected CONTROLLERS:PATH, e.g. -g memory,cpu:web (or give the group as an argument: cgroupkit ${verb} … web)`, verb);
  const list = text.slice(0, colon).trim();
  const path = text.slice(colon + 1);
  if (path === "" || path === "/") throw new UsageError(`-g ${JSON.stringify(text)}: no group after ":"; the hierarchy root is not a group cgroupkit manages (e.g. -g ${list || "memory"}:web)`, verb);
  const group = groupArg(path);
  if (list === "*") return { group, controllers: undefined };
  if (list === "") throw new UsageError(`-g ${JSON.stringify(text)}: no controller before ":"; e.g. -g memory:${group}, or -g '*:${group}' for every mounted hierarchy`, verb);
  return { group, controllers: controllersArg(layout, list) };
}

/** `-g` values, parsed. @internal */
export function groupSpecs(texts: readonly string[], layout: CgroupLayout, verb: string): GroupSpec[] {
  return texts.map((text) => parseGroupSpec(layout, text, verb));
}

/** Whether the verb was given any `-g`. @internal */
export function hasGroupSpec(args: ParsedArgs): boolean {
  return (args.values.get("cgroup") ?? []).length > 0;
}

/** `--controllers memory,cpu` checked against the layout. @internal */
export function controllersArg(layout: CgroupLayout, text: string): ControllerName[] {
  const list = text.split(",").map((c) => c.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError("--controllers needs at least one controller name");
  for (const c of list) {
    if (!hierarchyFor(layout, c)) {
      const known = [...new Set(layout.hierarchies.flatMap((h) => [...h.controllers, ...(h.version === "v1" && h.name ? [`name=${h.name}`] : [])]))].sort();
      // A typo is matched against what this host has first, then against every name cgroupkit knows
      const near = closestName(c, known) ?? closestName(c, KNOWN_CONTROLLERS);
      const hint = near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : "";
      throw new UsageError(`controller ${JSON.stringify(c)} is not available on this host${hint} (available: ${known.join(", ")})`);
    }
  }
  return checkControllerNames(list, layout);
}

/** The hierarchies a spec names (with cgroup2, as `--controllers` does); undefined: all of them. @internal */
export function specHierarchies(layout: CgroupLayout, spec: GroupSpec): CgroupHierarchy[] | undefined {
  return spec.controllers === undefined ? undefined : selectHierarchies(layout, spec.controllers);
}

/**
 * The one group a verb that joins a single group (exec, classify) is given by `-g`; several `-g` must
 * name the same group, and their controllers add up.
 * @internal
 */
export function singleGroupSpec(specs: readonly GroupSpec[], verb: string): GroupSpec {
  const groups = [...new Set(specs.map((s) => s.group))];
  if (groups.length > 1) {
    throw new UsageError(`-g names ${groups.length} groups (${groups.join(", ")}); ${verb} puts the processes in one group: give one -g, e.g. -g memory,cpu:${groups[0]}`, verb);
  }
  const all = specs.some((s) => s.controllers === undefined);
  return { group: groups[0] as string, controllers: all ? undefined : [...new Set(specs.flatMap((s) => s.controllers ?? []))] };
}

/**
 * `UID:GID` (numbers) for `-a`/`-t`.
 * @throws UsageError naming the option and what to type
 * @internal
 */
export function ownerArg(option: string, text: string, verb: string): CgroupOwner {
  const match = /^(\d+):(\d+)$/.exec(text);
  const [uid, gid] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || !(uid < 0xffffffff) || !(gid < 0xffffffff)) {
    const named = /^[^:\s]+:[^:\s]+$/.test(text) && !match;
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected UID:GID as numbers from 0 to 4294967294, e.g. ${option} 1000:1000${named ? ` (for names, type ${option} $(id -u USER):$(getent group GROUP | cut -d: -f3))` : ""}`,
      verb,
    );
  }
  return { uid, gid };
}
