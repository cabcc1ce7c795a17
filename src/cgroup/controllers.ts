// Controller names: the union inputs take, the run-time check behind it (for JS callers and CLI strings),
// and the errors for a name that is wrong and for a controller that is not enabled where it is needed.
import { V1_CONTROLLERS, V2_CONTROLLERS, type V1ControllerName, type V2ControllerName } from "../../generated/index.js";
import { InvalidValueError, UnsupportedError } from "../runtime/errors.js";
import { closestName } from "../runtime/suggest.js";
import type { CgroupLayout } from "./mounts.js";

/**
 * A controller name an option may ask for: a v1 or v2 controller the spec covers, `perf_event` (a v1
 * controller with no control files of its own, so no spec file), or a named v1 hierarchy (`name=systemd`).
 * Inputs take it so a misspelled name does not compile; a controller newer than the spec that the running
 * kernel has passes the run-time check (cast it: `"newctl" as ControllerName`). Names read from the kernel
 * stay `string`.
 * @public
 */
export type ControllerName = V1ControllerName | V2ControllerName | "perf_event" | `name=${string}`;

/** Every controller name the spec covers (both versions, without `core`), plus `perf_event`, sorted. Internal: a public list of `ControllerName` would hand the union out, and a new controller would be a major. @internal */
export const KNOWN_CONTROLLERS: readonly Exclude<ControllerName, `name=${string}`>[] = Object.freeze(
  [...new Set([...Object.keys(V1_CONTROLLERS), ...Object.keys(V2_CONTROLLERS), "perf_event"])].filter((n) => n !== "core").sort() as Exclude<ControllerName, `name=${string}`>[],
);

const KNOWN = new Set<string>(KNOWN_CONTROLLERS);
/** What the kernel takes after `name=` (cgroup1's parser: [\w.-], at most 64). */
const NAMED = /^name=[\w.-]{1,64}$/;

/**
 * A controller name that is neither one cgroupkit knows nor one the host has (`memroy`). `code` is ERR_INVALID_VALUE;
 * `suggestion` is the nearest known name by edit distance, when one is close.
 * @public
 */
export class UnknownControllerError extends InvalidValueError {
  /** The name as given. */
  readonly controller: string;
  /** The nearest known name (`memory` for `memroy`), if one is close enough to be a typo. */
  readonly suggestion: string | undefined;
  constructor(controller: string, candidates: Iterable<string> = KNOWN_CONTROLLERS) {
    const suggestion = closestName(controller, candidates);
    super("controllers", controller, `not a cgroup controller${suggestion !== undefined ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ""}; known: ${KNOWN_CONTROLLERS.join(", ")}, or name=<hierarchy>`);
    this.controller = controller;
    this.suggestion = suggestion;
  }
}

/**
 * Check controller names from outside TypeScript's reach (a JS caller, a CLI argument): each must be a known
 * name, `name=<hierarchy>`, or a controller the host's layout shows (one newer than the spec). Returns them typed.
 * @throws {@link UnknownControllerError} for the first name that is none of these
 * @internal
 */
export function checkControllerNames(names: readonly string[], layout?: CgroupLayout): ControllerName[] {
  const onHost = new Set(layout?.hierarchies.flatMap((h) => h.controllers) ?? []);
  for (const name of names) {
    if (typeof name !== "string" || !(KNOWN.has(name) || NAMED.test(name) || onHost.has(name))) throw new UnknownControllerError(String(name), [...KNOWN_CONTROLLERS, ...onHost]);
  }
  return names as ControllerName[];
}

/**
 * A v2 controller that a group needs is not enabled for it: the group's `cgroup.controllers` does not list it,
 * because the parent's `cgroup.subtree_control` does not enable it, or because this host's cgroup2 has no such
 * controller at all (a hybrid host binds it to a v1 hierarchy). `code` is ERR_CONTROLLER_NOT_ENABLED; it is an
 * {@link UnsupportedError}, so code that catches those catches it.
 * @public
 */
export class ControllerNotEnabledError extends UnsupportedError {
  constructor(
    /** The group's name. */
    readonly group: string,
    /** The controller it needs. */
    readonly controller: string,
    /** The group's cgroup2 directory. */
    readonly dir: string,
    /** What its `cgroup.controllers` lists. */
    readonly enabled: readonly string[],
    /** Whether the host's cgroup2 has the controller at all (at the mount root). */
    readonly onHost: boolean,
  ) {
    const parent = dir.replace(/\/[^/]+\/?$/, "") || "/";
    const lists = `${dir}/cgroup.controllers lists ${enabled.length > 0 ? enabled.join(" ") : "nothing"}`;
    super(
      onHost
        ? `group ${group || "/"}: the ${controller} controller is not enabled for it on cgroup2 (${lists}); enable it in the parent's cgroup.subtree_control (echo +${controller} > ${parent}/cgroup.subtree_control), or create the group with controllers: [${JSON.stringify(controller)}]`
        : `group ${group || "/"}: this host's cgroup2 has no ${controller} controller (${lists}; on a hybrid host it is bound to a v1 hierarchy): use the v1 accessor, or boot with it on cgroup2`,
    );
    (this as { code: string }).code = "ERR_CONTROLLER_NOT_ENABLED";
  }
}
