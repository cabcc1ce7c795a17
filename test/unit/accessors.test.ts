// Generated accessors over a fake cgroupfs (a temp dir) holding real kernel text.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import manifest from "../../generated/manifest.json" with { type: "json" };
import { MemoryV1, MemoryV2, HugetlbV2, V1_CONTROLLERS, V2_CONTROLLERS, CpuV2, CoreV2 } from "../../generated/index.js";
import { CgroupIoError, InvalidValueError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import type { ReadableFile } from "../../src/runtime/accessor.js";

const SAMPLES = path.resolve(import.meta.dirname, "../fixtures/kernel-samples");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-accessors-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A group directory holding the given files. */
function groupDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, "g-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Every kernel sample on disk: version → file name → text (root, child and doc-derived samples). */
function samples(version: "v1" | "v2"): Array<{ file: string; text: string; from: string }> {
  const out: Array<{ file: string; text: string; from: string }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith(".md") && !e.name.endsWith(".sh")) out.push({ file: e.name, text: fs.readFileSync(p, "latin1"), from: path.relative(SAMPLES, p) });
    }
  };
  walk(path.join(SAMPLES, version));
  return out;
}

describe("every generated accessor parses the kernel's own text", () => {
  for (const version of ["v1", "v2"] as const) {
    const classes: Record<string, new (dir: string, f: typeof nodeCgroupFs) => object> = version === "v1" ? V1_CONTROLLERS : V2_CONTROLLERS;
    const cases = samples(version).flatMap((s) => {
      const record = manifest.find((r) => r.version === version && r.file === s.file && r.access !== "wo");
      return record ? [{ ...s, record }] : [];
    });

    it(`${version}: at least 20 files have samples`, () => expect(cases.length).toBeGreaterThanOrEqual(20));

    for (const { file, text, from, record } of cases) {
      it(`${from} through ${record.className}.${record.property}`, async () => {
        const dir = groupDir({ [file]: text });
        const accessor = (new classes[record.controller]!(dir, nodeCgroupFs) as Record<string, ReadableFile<unknown>>)[record.property]!;
        expect(accessor.path).toBe(path.join(dir, file));
        expect(accessor.meta).toMatchObject({ file: record.file, access: record.access, codec: record.codec });
        expect(await accessor.read()).toEqual(accessor.readSync());
        expect(await accessor.readRaw()).toBe(text);
      });
    }
  }
});

describe("values and writes", () => {
  it("v1 unlimited (above 2^53) reads as max and writes back as -1", async () => {
    const dir = groupDir({ "memory.limit_in_bytes": "9223372036854771712\n", "memory.usage_in_bytes": "18446744073709551615\n" });
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const m = new MemoryV1(dir, faulty);
    expect(await m.limitInBytes.read()).toBe("max");
    expect(await m.usageInBytes.read()).toBe(18446744073709551615n);
    await m.limitInBytes.write(64n << 20n);
    await m.limitInBytes.write("max");
    // cgroupfs takes each write whole; a plain file would not, so check what was sent.
    expect(faulty.writes.map((w) => w.data)).toEqual(["67108864", "-1"]);
  });

  it("a write is one write(2) of the formatted value, never creating the file", async () => {
    const dir = groupDir({ "memory.max": "max\n" });
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const m = new MemoryV2(dir, faulty);
    await m.max.write(1n << 30n);
    expect(faulty.writes).toEqual([{ op: "write", path: path.join(dir, "memory.max"), data: "1073741824" }]);
    const err = await m.high.write("max").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupIoError);
    expect((err as CgroupIoError).code).toBe("ENOENT");
    expect(fs.existsSync(path.join(dir, "memory.high"))).toBe(false);
  });

  it("refuses a bad value before any syscall, naming the file and the value", async () => {
    const dir = groupDir({ "cpu.weight": "100\n", "memory.max": "max\n" });
    const faulty = new FaultInjectingFs(nodeCgroupFs);
    const cpu = new CpuV2(dir, faulty);
    await expect(cpu.weight.write(0)).rejects.toThrow(/cpu\.weight: invalid value 0/);
    await expect(cpu.weight.write(10001)).rejects.toThrow(InvalidValueError);
    await expect(new MemoryV2(dir, faulty).max.write(-1n)).rejects.toThrow(/memory\.max/);
    expect(() => new MemoryV2(dir, faulty).max.format("1\n2" as never)).toThrow(InvalidValueError);
    expect(faulty.log.filter((e) => e.op === "write")).toEqual([]);
  });

  it("templated names take only a parameter that matches the spec's pattern", () => {
    const h = new HugetlbV2("/sys/fs/cgroup/g", nodeCgroupFs);
    expect(h.max("2MB").path).toBe("/sys/fs/cgroup/g/hugetlb.2MB.max");
    for (const bad of ["../x", "2MB/../../etc", "2mb", "", "1GB\n"]) expect(() => h.max(bad)).toThrow(InvalidValueError);
  });

  it("keyed files keep keys the spec does not know", async () => {
    const dir = groupDir({ "cgroup.stat": "nr_descendants 2\nnr_dying_descendants 0\nnr_subsys_memory 3\n" });
    const stat = await new CoreV2(dir, nodeCgroupFs).stat.read();
    expect(stat.nr_descendants).toBe(2n);
    expect(stat["nr_subsys_memory"]).toBe(3n);
  });
});
