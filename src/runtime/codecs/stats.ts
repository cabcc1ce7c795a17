// Read-only v1 statistics in formats of their own: blkio per-device ops, cpuacct tables, numa_stat.
import type { Codec } from "../codec.js";
import { invalid, isDeviceNumber, newRecord, nonEmptyLines, parseFail, spaceSeparated, u64Token } from "./common.js";

/** A v1 blkio statistic: `8:0 Read 12` lines per device and operation, and the `Total N` line. @public */
export interface BlkioStat {
  /** Per `MAJ:MIN`: operation (`Read`, `Write`, `Sync`, `Async`, `Discard`, `Total`) → count. */
  readonly devices: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
  /** The closing `Total` line, summed over devices. */
  readonly total?: bigint;
}

function readOnly(codec: string): (value: unknown, file?: string) => never {
  return (value, file) => invalid(file, value, `${codec} is a read-only statistic; it cannot be written`);
}

/** The factory behind `codecs.blkioStat` (see {@link Codecs}). @internal */
export function blkioStat(): Codec<BlkioStat> {
  return {
    name: "blkioStat",
    parse(text, file) {
      const devices = newRecord<Record<string, bigint>>();
      let total: bigint | undefined;
      for (const line of nonEmptyLines(text)) {
        const fields = spaceSeparated(line);
        if (fields.length === 2 && fields[0] === "Total") {
          total = u64Token(fields[1] as string) ?? parseFail(file, text, `Total: expected an unsigned 64-bit integer`);
          continue;
        }
        const [device, op, count] = fields;
        if (fields.length !== 3 || !isDeviceNumber(device as string)) parseFail(file, text, `line ${JSON.stringify(line)} is not "MAJ:MIN Operation count" or "Total count"`);
        const value = u64Token(count as string) ?? parseFail(file, text, `${device} ${op}: expected an unsigned 64-bit integer`);
        (devices[device as string] ??= newRecord<bigint>())[op as string] = value;
      }
      return total === undefined ? { devices } : { devices, total };
    },
    format: readOnly("blkioStat"),
  };
}

/** The factory behind `codecs.table` (see {@link Codecs}). @internal */
export function table(): Codec<Array<Readonly<Record<string, bigint>>>> {
  return {
    name: "table",
    parse(text, file) {
      const rows = nonEmptyLines(text);
      const header = rows.length > 0 ? spaceSeparated(rows[0] as string) : [];
      if (rows.length > 0 && header.length === 0) parseFail(file, text, "empty header line");
      if (new Set(header).size !== header.length) parseFail(file, text, "repeated column name in the header");
      const out: Array<Record<string, bigint>> = [];
      for (let r = 1; r < rows.length; r++) {
        const cells = spaceSeparated(rows[r] as string);
        if (cells.length !== header.length) parseFail(file, text, `row ${r} has ${cells.length} fields, the header has ${header.length}`);
        const row = newRecord<bigint>();
        for (let c = 0; c < cells.length; c++) {
          row[header[c] as string] = u64Token(cells[c] as string) ?? parseFail(file, text, `row ${r} ${header[c]}: expected an unsigned 64-bit integer`);
        }
        out.push(row);
      }
      return out;
    },
    format: readOnly("table"),
  };
}

/** The factory behind `codecs.numaStat` (see {@link Codecs}). @internal */
export function numaStat(): Codec<Readonly<Record<string, Readonly<Record<string, bigint>>>>> {
  return {
    name: "numaStat",
    parse(text, file) {
      const out = newRecord<Record<string, bigint>>();
      for (const line of nonEmptyLines(text)) {
        const fields = spaceSeparated(line);
        const entry = newRecord<bigint>();
        let name: string | undefined;
        for (const field of fields) {
          const eq = field.indexOf("=");
          if (eq <= 0) parseFail(file, text, `${JSON.stringify(field)} is not "key=value"`);
          const key = field.slice(0, eq);
          entry[key] = u64Token(field.slice(eq + 1)) ?? parseFail(file, text, `${key}: expected an unsigned 64-bit integer`);
          name ??= key;
        }
        if (name === undefined) parseFail(file, text, "empty line");
        out[name] = entry;
      }
      return out;
    },
    format: readOnly("numaStat"),
  };
}
