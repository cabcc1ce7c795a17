// The record type of generated/manifest.json: one control file of the spec, as the generator resolved it.

/**
 * One record of the package's manifest, `cgroupkit/manifest.json`: a control file the spec knows, with its
 * type and the accessor that reads it. Import the file with an import attribute (Node requires it for JSON):
 * `import manifest from "cgroupkit/manifest.json" with { type: "json" }`, then type it as `ManifestRecord[]`.
 * @public
 */
export interface ManifestRecord {
  /** The cgroup version the file belongs to. */
  readonly version: "v1" | "v2";
  /** The controller (`memory`, `cpu`), or `core` for cgroup's own files. */
  readonly controller: string;
  /** The file name, or a template with a parameter (`hugetlb.<size>.max`). */
  readonly file: string;
  /** Read-only, read-write or write-only, as the kernel's mode bits give it. */
  readonly access: "ro" | "rw" | "wo";
  /** The codec that parses what the file reads (a name from the runtime's codec table). */
  readonly codec: string;
  /** The codec of what the file takes, where it differs from `codec`. */
  readonly writeCodec?: string;
  /** In which groups the kernel shows the file: only the root, every group but the root, or all. */
  readonly where: "root" | "non-root" | "all";
  /** The kernel version that added the file, where the spec records it. */
  readonly since: string | null;
  /** The package version whose API first had the file. */
  readonly api: string;
  /** Whether it is a cgroup core file (`cgroup.*`) rather than a controller's. */
  readonly core: boolean;
  /** A kernel option or other condition the file needs (`CONFIG_MEMCG_SWAP`). */
  readonly requires?: string;
  /** The release tag of its accessor. */
  readonly tag: "public" | "beta";
  /** The unit of its numbers (`bytes`, `usec`). */
  readonly unit?: string;
  /** The generated class that holds its accessor (`MemoryV2`). */
  readonly className: string;
  /** The accessor's property on that class (`max`). */
  readonly property: string;
  /** The template's parameter (`size`) and the pattern its values match. */
  readonly param?: {
    /** The parameter's name in the template (`size`). */
    readonly name: string;
    /** A regular expression its values match (`^[0-9]+[KMG]B$`). */
    readonly pattern?: string;
  };
  /** Why the file is deprecated, and what replaces it. */
  readonly deprecated?: string;
}
