// Names in generated code: classes from controllers, properties from file names.

const RESERVED = new Set(["dir", "fs", "constructor", "version", "controller"]);

export function className(controller: string, version: "v1" | "v2"): string {
  return controller.split("_").map(capitalize).join("") + version.toUpperCase();
}

/** `memory.swap.max` in the memory class → `swapMax`; `hugetlb.<size>.rsvd.max` → `rsvdMax`. */
export function propertyName(controller: string, file: string): string {
  const prefix = controller === "core" ? "cgroup." : `${controller}.`;
  let rest = file.startsWith(prefix) ? file.slice(prefix.length) : file;
  rest = rest.replace(/<[a-z_]+>\.?/, "");
  const words = rest.split(/[._]/).filter(Boolean);
  const name = words.map((w, i) => (i === 0 ? w : capitalize(w))).join("");
  return RESERVED.has(name) || name === "" ? `${name}File` : name;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
