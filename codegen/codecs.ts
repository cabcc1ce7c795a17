// What each spec codec becomes in generated code: the factory call and its read/write types.
import type { CodecName } from "../src/runtime/codecs/index.js";
import type { CodecSpec } from "./schema.js";

export interface CodecBinding {
  /** Canonical key: equal specs share one codec instance in a generated file. */
  readonly key: string;
  readonly name: string;
  /** A `codecs.*` factory call. */
  readonly expr: string;
  readonly readType: string;
  readonly writeType: string;
  /** Runtime type names the types use, imported from src/runtime. */
  readonly typeImports: readonly string[];
  /** Generated type names the types use, imported from generated/names.ts. */
  readonly nameImports?: readonly string[];
}

const SCALAR_TYPES = { u64: "bigint", s64: "bigint", limit: 'bigint | "max"', number: "number", string: "string" } as const;

/** Codecs bound by their parameters in bindCodec's switch; every other runtime codec needs an entry in SIMPLE. */
type ParameterisedCodec = "u64" | "s64" | "int" | "limit" | "enum" | "flatKeyed" | "nestedKeyed" | "deviceValues";

// Keyed by the runtime's codec names: a codec added there without a binding here does not compile.
const SIMPLE: Readonly<Record<Exclude<CodecName, ParameterisedCodec>, { read: string; write?: string; imports?: string[]; typeArgs?: string; names?: string[] }>> = {
  bool: { read: "boolean" },
  v1Bytes: { read: 'bigint | "max"' },
  string: { read: "string" },
  text: { read: "string" },
  cpuMax: { read: "CpuMax", write: "CpuMaxWrite", imports: ["CpuMax", "CpuMaxWrite"] },
  percentOrMax: { read: 'number | "max"' },
  psi: { read: "Pressure", write: "PressureTrigger", imports: ["Pressure", "PressureTrigger"] },
  pidList: { read: "number[]", write: "number" },
  words: { read: "string[]" },
  lines: { read: "string[]", write: "string" },
  u64List: { read: "bigint[]" },
  rangeList: { read: "number[]", write: "readonly number[] | string" },
  // Writes take the spec's v2 names (a typo does not compile); reads stay string: a newer kernel may print more.
  subtreeControl: {
    read: "string[]",
    write: "{\n  /** Controllers to turn on for the children (`+name`). */\n  readonly enable?: readonly V2ControllerName[];\n  /** Controllers to turn off (`-name`). */\n  readonly disable?: readonly V2ControllerName[];\n}",
    typeArgs: "<V2ControllerName>",
    names: ["V2ControllerName"],
  },
  deviceRules: { read: "DeviceRule[]", write: "DeviceRule | string", imports: ["DeviceRule"] },
  blkioStat: { read: "BlkioStat", imports: ["BlkioStat"] },
  table: { read: "Array<Readonly<Record<string, bigint>>>" },
  numaStat: { read: "Readonly<Record<string, Readonly<Record<string, bigint>>>>" },
};

export function bindCodec(spec: CodecSpec): CodecBinding {
  const s = typeof spec === "string" ? { name: spec } : spec;
  const key = JSON.stringify(s, Object.keys(s).sort());
  switch (s.name) {
    case "u64":
    case "s64":
    case "int":
    case "limit": {
      const o = s as { min?: number | string; max?: number | string };
      const lit = (v: number | string) => (s.name === "int" ? String(v) : `${v}n`);
      const opts = [o.min !== undefined ? `min: ${lit(o.min)}` : "", o.max !== undefined ? `max: ${lit(o.max)}` : ""].filter(Boolean);
      const type = s.name === "int" ? "number" : s.name === "limit" ? 'bigint | "max"' : "bigint";
      return { key, name: s.name, expr: `codecs.${s.name}(${opts.length ? `{ ${opts.join(", ")} }` : ""})`, readType: type, writeType: type, typeImports: [] };
    }
    case "enum": {
      const values = (s as { values: string[] }).values;
      const type = values.map((v) => JSON.stringify(v)).join(" | ");
      return { key, name: s.name, expr: `codecs.enum({ values: [${values.map((v) => JSON.stringify(v)).join(", ")}] })`, readType: type, writeType: type, typeImports: [] };
    }
    case "flatKeyed":
    case "nestedKeyed": {
      const o = s as { keys?: string[]; value?: keyof typeof SCALAR_TYPES };
      const valueKind = o.value ?? "u64";
      const v = SCALAR_TYPES[valueKind];
      const k = o.keys ? o.keys.map((x) => JSON.stringify(x)).join(" | ") : "string";
      const args = [o.keys ? `keys: [${o.keys.map((x) => JSON.stringify(x)).join(", ")}]` : "", `value: ${JSON.stringify(valueKind)}`].filter(Boolean);
      const expr = `codecs.${s.name}<${k}, ${v}>({ ${args.join(", ")} })`;
      return s.name === "flatKeyed"
        ? { key, name: s.name, expr, readType: `KeyedValues<${k}, ${v}>`, writeType: `Readonly<Record<string, ${v}>>`, typeImports: ["KeyedValues"] }
        : {
            key,
            name: s.name,
            expr,
            readType: `Readonly<Record<string, KeyedValues<${k}, ${v}>>>`,
            writeType: `Readonly<Record<string, Readonly<Record<string, ${v}>>>>`,
            typeImports: ["KeyedValues"],
          };
    }
    case "deviceValues": {
      const valueKind = (s as { value?: keyof typeof SCALAR_TYPES }).value ?? "u64";
      const v = SCALAR_TYPES[valueKind];
      return {
        key,
        name: s.name,
        expr: `codecs.deviceValues<${v}>({ value: ${JSON.stringify(valueKind)} })`,
        readType: `Readonly<Record<string, ${v}>>`,
        writeType: `{\n  /** \`major:minor\`, or \`default\`. */\n  readonly device: string;\n  /** The value for that device. */\n  readonly value: ${v};\n}`,
        typeImports: [],
      };
    }
    default: {
      const simple = Object.hasOwn(SIMPLE, s.name) ? SIMPLE[s.name as keyof typeof SIMPLE] : undefined;
      if (!simple) throw new Error(`codec ${s.name} has no binding in codegen/codecs.ts`);
      return {
        key,
        name: s.name,
        expr: `codecs.${s.name}${simple.typeArgs ?? ""}()`,
        readType: simple.read,
        writeType: simple.write ?? simple.read,
        typeImports: simple.imports ?? [],
        ...(simple.names ? { nameImports: simple.names } : {}),
      };
    }
  }
}
