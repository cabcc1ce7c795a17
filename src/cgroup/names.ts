// Group names and the safe resolver: a name can never reach outside its mount.
import * as path from "node:path";
import { InvalidNameError } from "../runtime/errors.js";
import type { CgroupFs } from "../runtime/fs.js";

/** Longest directory name the kernel accepts (NAME_MAX), in bytes. @public */
export const CGROUP_NAME_MAX = 255;

/**
 * Validate a group name (`libvirt/lxc/web1`) and split it into components.
 * Refused: empty names, absolute paths, `.`/`..`/empty/whitespace-only components, NUL, newline or
 * carriage return, and components longer than 255 bytes.
 * @throws {@link InvalidNameError}
 * @public
 */
export function parseGroupName(name: string): string[] {
  if (typeof name !== "string") throw new InvalidNameError(String(name), "a group name is a string");
  if (name === "") throw new InvalidNameError(name, "empty; the hierarchy root is not a group cgroupkit manages");
  if (name.startsWith("/")) throw new InvalidNameError(name, "absolute path; group names are relative to the hierarchy root");
  if (/[\0\n\r]/.test(name)) throw new InvalidNameError(name, "contains NUL, newline or carriage return");
  const components = name.split("/");
  for (const component of components) {
    if (component === "") throw new InvalidNameError(name, "empty path component (a doubled or trailing '/')");
    if (/^\s+$/.test(component)) throw new InvalidNameError(name, `path component ${JSON.stringify(component)} is only whitespace`);
    if (component === "." || component === "..") throw new InvalidNameError(name, `path component ${JSON.stringify(component)} is not allowed`);
    if (Buffer.byteLength(component, "utf8") > CGROUP_NAME_MAX) {
      throw new InvalidNameError(name, `path component longer than ${CGROUP_NAME_MAX} bytes`);
    }
  }
  return components;
}

/**
 * Split a hierarchy path as `/proc/<pid>/cgroup` and mountinfo print it (`/lxc/c1`) into components.
 * `/` is the empty list; a path that leaves the namespace (`/..`) is `undefined`.
 * @internal
 */
export function hierarchyPathComponents(hierarchyPath: string): string[] | undefined {
  const components = hierarchyPath.split("/").filter((c) => c !== "");
  return components.some((c) => c === "." || c === "..") ? undefined : components;
}

/** Where a group's directory lies under one mount. @internal */
export interface ResolvedDir {
  /** Absolute directory of the group under the mount point. */
  readonly dir: string;
  /** The group's components below the mount root (empty when the group is the mount root). */
  readonly relative: readonly string[];
  /** How many leading components of `relative` exist as directories (the rest are missing). */
  readonly existing: number;
}

/**
 * Resolve a group onto a mount without following symlinks: each component below the mount
 * point is lstat'ed; a symlink or a non-directory is refused, and the result is checked to
 * stay under the mount point. Stops at the first missing component.
 * `undefined` when the group is not under the mount's root (a bind mount of another subtree).
 * @throws {@link InvalidNameError}
 * @internal
 */
export async function resolveGroupDir(
  fs: CgroupFs,
  group: string,
  components: readonly string[],
  mount: { readonly mountPoint: string; readonly root: string },
  /** Directories already checked in this batch (real directories, no symlink on the way): not checked again. */
  checked?: Set<string>,
  /** Leave the last component unchecked, as missing: a create makes it with mkdir, which fails EEXIST if it is there (and then checks it). */
  leafUnchecked = false,
): Promise<ResolvedDir | undefined> {
  const rootComponents = hierarchyPathComponents(mount.root);
  if (rootComponents === undefined) return undefined;
  if (rootComponents.length > components.length || rootComponents.some((c, i) => components[i] !== c)) return undefined;
  const relative = components.slice(rootComponents.length);
  const prefix = mount.mountPoint.endsWith("/") ? mount.mountPoint : `${mount.mountPoint}/`;
  const dir = relative.length === 0 ? mount.mountPoint : prefix + relative.join("/");
  if (path.posix.normalize(dir) !== dir || (relative.length > 0 && !dir.startsWith(prefix))) {
    throw new InvalidNameError(group, `resolves to ${dir}, outside the mount ${mount.mountPoint}`);
  }
  let existing = 0;
  let current = prefix;
  const checkedLevels = leafUnchecked ? relative.length - 1 : relative.length;
  for (const component of relative.slice(0, checkedLevels)) {
    current = current.endsWith("/") ? current + component : `${current}/${component}`;
    if (checked?.has(current)) {
      existing++;
      continue;
    }
    const stat = await fs.stat(current);
    if (stat === undefined) break;
    if (stat.isSymbolicLink) throw new InvalidNameError(group, `${current} is a symbolic link; cgroupkit does not follow links`);
    if (!stat.isDirectory) throw new InvalidNameError(group, `${current} exists and is not a directory`);
    checked?.add(current);
    existing++;
  }
  return { dir, relative, existing };
}
