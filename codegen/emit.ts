// Emits one accessor class per spec file with ts-morph, plus the index and the manifest.
import { IndentationText, Project, QuoteKind, type ClassDeclaration, type SourceFile } from "ts-morph";
import { bindCodec, type CodecBinding } from "./codecs.js";
import type { LoadedSpec } from "./load.js";
import { className, propertyName } from "./naming.js";
import type { FileEntry } from "./schema.js";
import type { ManifestRecord } from "../src/runtime/manifest.js";

const RUNTIME = "../../src/runtime/index.js";


export interface ResolvedEntry {
  readonly entry: FileEntry;
  readonly property: string;
  readonly read: CodecBinding;
  readonly write: CodecBinding | undefined;
}

export function resolveEntries(spec: LoadedSpec): ResolvedEntry[] {
  const used = new Map<string, string>();
  return spec.files.map((entry) => {
    const property = entry.property ?? propertyName(spec.controller, entry.file);
    const clash = used.get(property);
    if (clash) throw new Error(`${spec.path}: entry ${entry.file}: property ${property} is also ${clash}'s; set field property:`);
    used.set(property, entry.file);
    for (const alias of entry.renamedFrom ?? []) {
      if (used.has(alias)) throw new Error(`${spec.path}: entry ${entry.file}: renamedFrom ${alias} clashes with ${used.get(alias)}`);
      used.set(alias, entry.file);
    }
    const read = bindCodec(entry.codec);
    const write = entry.access === "ro" ? undefined : entry.writeCodec ? bindCodec(entry.writeCodec) : read;
    return { entry, property, read, write };
  });
}

export function manifestRecords(spec: LoadedSpec): ManifestRecord[] {
  const cls = className(spec.controller, spec.version);
  return resolveEntries(spec).map(({ entry, property, read, write }) => ({
    version: spec.version,
    controller: spec.controller,
    file: entry.file,
    access: entry.access,
    codec: read.name,
    ...(entry.writeCodec && write ? { writeCodec: write.name } : {}),
    where: entry.where,
    since: entry.kernel ?? null,
    api: entry.api,
    core: entry.core,
    ...(entry.requires ? { requires: entry.requires } : {}),
    tag: entry.tag,
    ...(entry.unit ? { unit: entry.unit } : {}),
    className: cls,
    property,
    ...(entry.param ? { param: { name: entry.param.name, ...(entry.param.pattern ? { pattern: entry.param.pattern } : {}) } } : {}),
    ...(entry.deprecated ? { deprecated: entry.deprecated } : {}),
  }));
}

export function newProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
}

export function emitControllerFile(project: Project, spec: LoadedSpec, header: string): string {
  const cls = className(spec.controller, spec.version);
  const file = project.createSourceFile(`/generated/${spec.version}/${spec.controller}.ts`, "", { overwrite: true });
  const entries = resolveEntries(spec);

  // One codec instance per distinct codec spec in the file.
  const codecVars = new Map<string, string>();
  const countByName = new Map<string, number>();
  const codecVar = (b: CodecBinding): string => {
    let v = codecVars.get(b.key);
    if (!v) {
      const n = (countByName.get(b.name) ?? 0) + 1;
      countByName.set(b.name, n);
      v = `${b.name}Codec${n === 1 ? "" : n}`;
      codecVars.set(b.key, v);
    }
    return v;
  };
  for (const e of entries) {
    codecVar(e.read);
    if (e.write) codecVar(e.write);
  }

  const fileClasses = new Set(entries.map((e) => fileClass(e.entry.access)));
  const typeImports = new Set<string>(["FileMeta"]);
  for (const e of entries) for (const t of [...e.read.typeImports, ...(e.write?.typeImports ?? [])]) typeImports.add(t);
  file.addImportDeclaration({
    moduleSpecifier: RUNTIME,
    namedImports: [
      "ControllerAccessor",
      ...[...fileClasses].sort(),
      "codecs",
      ...(entries.some((e) => e.entry.param) ? ["fillTemplate"] : []),
      ...[...typeImports].sort().map((t) => ({ name: t, isTypeOnly: true })),
    ],
  });

  const nameImports = new Set<string>();
  for (const e of entries) for (const t of [...(e.read.nameImports ?? []), ...(e.write?.nameImports ?? [])]) nameImports.add(t);
  if (nameImports.size > 0) file.addImportDeclaration({ moduleSpecifier: "../names.js", namedImports: [...nameImports].sort().map((t) => ({ name: t, isTypeOnly: true })) });

  const bindings = new Map(entries.flatMap((e) => [e.read, e.write ?? e.read]).map((b) => [b.key, b]));
  file.addStatements(["", ...[...codecVars].map(([key, name]) => `const ${name} = ${bindings.get(key)!.expr};`), ""]);

  file.addStatements(
    `const FILES = {\n${entries.map((e) => `  ${e.property}: ${metaLiteral(spec, e)},`).join("\n")}\n} satisfies Record<string, FileMeta>;`,
  );

  const classDecl = file.addClass({
    name: cls,
    isExported: true,
    extends: "ControllerAccessor",
    docs: [{ description: `${tsdoc(spec.doc)}\n\nControl files of the cgroup ${spec.version} \`${spec.controller}\` ${spec.controller === "core" ? "interface" : "controller"}, bound to one cgroup directory. Spec: \`${spec.path}\`.`, tags: [{ tagName: "public" }] }],
  });
  classDecl.addProperty({ name: "version", isStatic: true, isReadonly: true, initializer: JSON.stringify(spec.version), docs: [`The cgroup version of these files: ${spec.version === "v1" ? "a v1 hierarchy" : "the unified (v2) hierarchy"}.`] });
  classDecl.addProperty({ name: "controller", isStatic: true, isReadonly: true, initializer: JSON.stringify(spec.controller), docs: [`The controller name as the kernel spells it (\`core\` for the cgroup.* files).`] });

  for (const e of entries) addMember(classDecl, spec, e, codecVar);

  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return header + file.getFullText();
}

function fileClass(access: "ro" | "rw" | "wo"): string {
  return access === "ro" ? "ReadOnlyFile" : access === "rw" ? "ReadWriteFile" : "WriteOnlyFile";
}

function metaLiteral(spec: LoadedSpec, e: ResolvedEntry): string {
  const { entry } = e;
  const parts = [
    `file: ${JSON.stringify(entry.file)}`,
    `version: ${JSON.stringify(spec.version)}`,
    `controller: ${JSON.stringify(spec.controller)}`,
    `access: ${JSON.stringify(entry.access)}`,
    `where: ${JSON.stringify(entry.where)}`,
    `codec: ${JSON.stringify(e.read.name)}`,
    ...(entry.unit ? [`unit: ${JSON.stringify(entry.unit)}`] : []),
    ...(entry.kernel ? [`kernel: ${JSON.stringify(entry.kernel)}`] : []),
  ];
  return `{ ${parts.join(", ")} }`;
}

function typeOf(e: ResolvedEntry): string {
  const { access } = e.entry;
  if (access === "ro") return `ReadOnlyFile<${e.read.readType}>`;
  if (access === "wo") return `WriteOnlyFile<${e.write!.writeType}>`;
  return e.read.readType === e.write!.writeType ? `ReadWriteFile<${e.read.readType}>` : `ReadWriteFile<${e.read.readType}, ${e.write!.writeType}>`;
}

/** Spec prose as TSDoc text: `<`, `>`, `{`, `}` and `@` are escaped outside code spans. */
function tsdoc(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[<>{}@]/g, (c) => `\\${c}`)))
    .join("`");
}

function docOf(spec: LoadedSpec, e: ResolvedEntry): string {
  const { entry } = e;
  const facts = [`File \`${entry.file}\`: ${entry.access}, ${entry.where === "all" ? "every group" : entry.where === "root" ? "root group only" : "non-root groups"}.`];
  if (entry.unit) facts.push(`Unit: ${entry.unit}.`);
  if (entry.kernel) facts.push(`Since Linux ${entry.kernel}.`);
  if (entry.core) facts.push("Present without the controller enabled.");
  if (entry.requires) facts.push(`Requires ${entry.requires}.`);
  facts.push(`Codec: ${e.read.name}${e.write && e.write !== e.read ? `, writes ${e.write.name}` : ""}.`);
  return `${tsdoc(entry.doc)}\n\n${facts.map(tsdoc).join(" ")}`;
}

function addMember(cls: ClassDeclaration, spec: LoadedSpec, e: ResolvedEntry, codecVar: (b: CodecBinding) => string): void {
  const { entry } = e;
  const type = typeOf(e);
  const ctor = fileClass(entry.access);
  const codecArgs =
    entry.access === "ro" ? codecVar(e.read) : entry.access === "wo" ? codecVar(e.write!) : `${codecVar(e.read)}, ${codecVar(e.write!)}`;
  const tags = [
    ...(entry.param ? [{ tagName: "param", text: `${entry.param.name} - ${tsdoc(entry.param.doc)}` }] : []),
    ...(entry.deprecated ? [{ tagName: "deprecated", text: tsdoc(entry.deprecated) }] : []),
    { tagName: entry.tag },
  ];
  const description = docOf(spec, e);
  if (entry.param) {
    const pattern = entry.param.pattern ? `, /^(?:${entry.param.pattern})$/` : "";
    const body = `return new ${ctor}(this.dir, fillTemplate(${JSON.stringify(entry.file)}, ${entry.param.name}${pattern}), FILES.${e.property}, this.fs, ${codecArgs});`;
    const params = [{ name: entry.param.name, type: "string" }];
    cls.addMethod({ name: e.property, parameters: params, returnType: type, statements: body, docs: [{ description, tags }] });
    for (const alias of entry.renamedFrom ?? []) {
      cls.addMethod({
        name: alias,
        parameters: params,
        returnType: type,
        statements: `return this.${e.property}(${entry.param.name});`,
        docs: [{ description: `Renamed to {@link ${className(spec.controller, spec.version)}.${e.property}}.`, tags: [{ tagName: "deprecated", text: `Use ${e.property}.` }, { tagName: entry.tag }] }],
      });
    }
    return;
  }
  cls.addGetAccessor({
    name: e.property,
    returnType: type,
    statements: `return new ${ctor}(this.dir, ${JSON.stringify(entry.file)}, FILES.${e.property}, this.fs, ${codecArgs});`,
    docs: [{ description, tags }],
  });
  for (const alias of entry.renamedFrom ?? []) {
    cls.addGetAccessor({
      name: alias,
      returnType: type,
      statements: `return this.${e.property};`,
      docs: [{ description: `Renamed to {@link ${className(spec.controller, spec.version)}.${e.property}}.`, tags: [{ tagName: "deprecated", text: `Use ${e.property}.` }, { tagName: entry.tag }] }],
    });
  }
}

/**
 * generated/names.ts: the controller names the spec covers, as unions. They type inputs only (what a caller
 * may ask for); names read from the kernel stay `string`, so a new controller widens an input and is a minor.
 */
export function emitNames(specs: readonly LoadedSpec[], header: string): string {
  const parts: string[] = [];
  for (const version of ["v1", "v2"] as const) {
    const names = specs.filter((s) => s.version === version && s.controller !== "core").map((s) => s.controller).sort();
    parts.push(
      `/**\n * The cgroup ${version} controllers the spec covers (${version === "v1" ? "each has a `spec/v1/` file" : "each has a `spec/v2/` file"}), as the kernel names them.\n` +
        ` * An input type: options that name controllers take it, so a misspelled name does not compile. Outputs (names read\n` +
        ` * from the kernel, such as \`cgroup.controllers\`) stay \`string\`: a newer kernel may list a controller the spec lacks.\n` +
        ` * A new controller widens it; since only inputs take it, that breaks no caller.\n * @public\n */\nexport type ${version.toUpperCase()}ControllerName = ${names.map((n) => JSON.stringify(n)).join(" | ")};`,
    );
  }
  return `${header}${parts.join("\n\n")}\n`;
}

export function emitIndex(project: Project, specs: readonly LoadedSpec[], header: string): string {
  const file: SourceFile = project.createSourceFile("/generated/index.ts", "", { overwrite: true });
  const sorted = [...specs].sort((a, b) => a.path.localeCompare(b.path));
  for (const spec of sorted) {
    file.addImportDeclaration({ moduleSpecifier: `./${spec.version}/${spec.controller}.js`, namedImports: [className(spec.controller, spec.version)] });
  }
  file.addExportDeclaration({ namedExports: sorted.map((s) => className(s.controller, s.version)) });
  file.addExportDeclaration({ isTypeOnly: true, namedExports: ["V1ControllerName", "V2ControllerName"], moduleSpecifier: "./names.js" });
  for (const version of ["v1", "v2"] as const) {
    const upper = version.toUpperCase();
    const mine = sorted.filter((s) => s.version === version);
    file.addStatements(
      `/**\n * Every cgroup ${version} accessor class by controller name (\`core\` for the cgroup.* files).\n * New controllers arrive as new members and widen {@link ${upper}ControllerName}.\n * @public\n */\nexport const ${upper}_CONTROLLERS = {\n${mine.map((s) => `  /** The \`${s.controller}\` ${s.controller === "core" ? "interface" : "controller"}: {@link ${className(s.controller, version)}}. */\n  ${s.controller}: ${className(s.controller, version)},`).join("\n")}\n} as const;`,
    );
  }
  // cgroup core's files named after a v2 controller (cpu.stat, *.pressure): in every group, enabled or not.
  const base = sorted
    .filter((s) => s.version === "v2" && s.controller !== "core")
    .map((s) => ({ spec: s, props: resolveEntries(s).filter((e) => e.entry.core).map((e) => e.property) }))
    .filter((b) => b.props.length > 0);
  file.addStatements([
    `/**\n * The v2 files that carry a controller's name but belong to cgroup core (\`cpu.stat\`, \`memory.pressure\`): the kernel\n` +
      ` * makes them in every cgroup2 group, whether or not that controller is enabled there (spec field \`core: true\`).\n` +
      ` * \`cg.v2.base\` binds them, so they are there when \`cg.v2.cpu\` is \`undefined\`.\n * @public\n */\nexport interface V2BaseFiles {\n` +
      base.map((b) => `  /** The \`${b.spec.controller}\` files of cgroup core: ${b.props.map((p) => `{@link ${className(b.spec.controller, "v2")}.${p}}`).join(", ")}. */\n  readonly ${b.spec.controller}: Pick<${className(b.spec.controller, "v2")}, ${b.props.map((p) => JSON.stringify(p)).join(" | ")}>;`).join("\n") +
      `\n}`,
    `/**\n * The controllers of {@link V2BaseFiles} and their properties there, for code that binds or lists them.\n * @public\n */\nexport const V2_BASE_FILES = {\n` +
      base.map((b) => `  /** The \`${b.spec.controller}\` files cgroup core makes in every group. */\n  ${b.spec.controller}: [${b.props.map((p) => JSON.stringify(p)).join(", ")}],`).join("\n") +
      `\n} as const satisfies { readonly [K in keyof V2BaseFiles]: ReadonlyArray<keyof V2BaseFiles[K]> };`,
  ]);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return header + file.getFullText();
}
