// JSON for values with bigints (every u64 a control file holds): exact integers, never strings or floats.

/**
 * JSON text of a value; bigints are written as exact JSON numbers (a kernel counter above 2^53
 * stays exact for readers such as jq or `JSON.parse` with a reviver), `undefined` members are dropped.
 * The JSON form of cgroupkit's values: `JSON.stringify` throws on a bigint, and `Number(bigint)` loses a
 * counter above 2^53. `indent` 0 gives one line.
 * @public
 */
export function toJson(value: unknown, indent = 2): string {
  const pad = (depth: number) => (indent > 0 ? `\n${" ".repeat(indent * depth)}` : "");
  const colon = indent > 0 ? ": " : ":";
  const write = (v: unknown, depth: number): string | undefined => {
    if (typeof v === "bigint") return v.toString();
    if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") return write((v as { toJSON: () => unknown }).toJSON(), depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${v.map((item) => pad(depth + 1) + (write(item, depth + 1) ?? "null")).join(",")}${pad(depth)}]`;
    }
    const parts: string[] = [];
    for (const key of Object.keys(v as object)) {
      const text = write((v as Record<string, unknown>)[key], depth + 1);
      if (text !== undefined) parts.push(`${pad(depth + 1)}${JSON.stringify(key)}${colon}${text}`);
    }
    return parts.length === 0 ? "{}" : `{${parts.join(",")}${pad(depth)}}`;
  };
  return write(value, 0) ?? "null";
}
