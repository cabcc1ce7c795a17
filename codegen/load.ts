// Loads and validates spec/**/*.yaml; every error names the file, the entry and the field.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { specFile, type SpecFile } from "./schema.js";

/** A validated spec file and where it came from (relative to the repository root). */
export interface LoadedSpec extends SpecFile {
  readonly path: string;
}

/** Spec problems, all of them, each naming file, entry and field. */
export class SpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`spec is invalid:\n  ${problems.join("\n  ")}`);
    this.name = "SpecError";
  }
}

export function loadSpecs(root: string): LoadedSpec[] {
  const specDir = path.join(root, "spec");
  const problems: string[] = [];
  const specs: LoadedSpec[] = [];
  for (const version of ["v1", "v2"]) {
    const dir = path.join(specDir, version);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
      const rel = `spec/${version}/${name}`;
      const spec = loadSpecFile(path.join(dir, name), rel, problems);
      if (!spec) continue;
      if (spec.version !== version) problems.push(`${rel}: version: is ${spec.version} but the file is under spec/${version}/`);
      if (`${spec.controller}.yaml` !== name) problems.push(`${rel}: controller: is ${spec.controller} but the file is named ${name}`);
      specs.push(spec);
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
  return specs;
}

function loadSpecFile(abs: string, rel: string, problems: string[]): LoadedSpec | undefined {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(abs, "utf8"));
  } catch (err) {
    problems.push(`${rel}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    return undefined;
  }
  const result = specFile.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${rel}: ${describeIssue(raw, issue)}`);
    return undefined;
  }
  const seen = new Set<string>();
  for (const entry of result.data.files) {
    if (seen.has(entry.file)) problems.push(`${rel}: entry ${entry.file}: listed twice`);
    seen.add(entry.file);
    if (entry.file.includes("<") !== (entry.param !== undefined)) {
      problems.push(`${rel}: entry ${entry.file}: field param: required exactly when the name has a <param>`);
    }
    if (entry.core && result.data.version !== "v2") problems.push(`${rel}: entry ${entry.file}: field core: only meaningful on v2`);
    if (entry.access === "ro" && entry.writeCodec) problems.push(`${rel}: entry ${entry.file}: field writeCodec: a read-only file takes no writes`);
  }
  return { ...result.data, path: rel };
}

/** "entry memory.max: field codec: …" from a zod issue path such as ["files", 3, "codec"]. */
function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
  const [head, index, ...rest] = issue.path;
  if (head === "files" && typeof index === "number") {
    const files = (raw as { files?: Array<{ file?: unknown }> }).files;
    const name = files?.[index]?.file;
    const entry = typeof name === "string" ? name : `#${index + 1}`;
    const field = rest.length > 0 ? `field ${rest.join(".")}: ` : "";
    return `entry ${entry}: ${field}${issue.message}`;
  }
  return `${issue.path.length > 0 ? `field ${issue.path.join(".")}: ` : ""}${issue.message}`;
}
