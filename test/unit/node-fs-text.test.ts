// NodeCgroupFs's text encoding: what a read gives, a write puts back byte for byte (the restore path).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeCgroupFs } from "../../src/runtime/fs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function file(bytes: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-fs-text-"));
  dirs.push(dir);
  const p = path.join(dir, "value");
  fs.writeFileSync(p, bytes);
  return p;
}

describe("NodeCgroupFs text", () => {
  it("valid multi-byte UTF-8 reads as its characters and writes back as the same bytes", async () => {
    const original = Buffer.from("name café €\n", "utf8");
    const p = file(original);
    const text = nodeCgroupFs.readFileSync(p);
    expect(text).toBe("name café €\n");
    fs.writeFileSync(p, ""); // emptied: what the restore writes must bring the bytes back
    await nodeCgroupFs.writeFile(p, text);
    expect(fs.readFileSync(p).equals(original)).toBe(true);
    nodeCgroupFs.writeFileSync(p, text);
    expect(fs.readFileSync(p).equals(original)).toBe(true);
  });

  it("valid UTF-8 holding U+FFFD itself reads as UTF-8, not latin1, and writes back the same bytes", async () => {
    const original = Buffer.from("a \uFFFD é\n", "utf8");
    const p = file(original);
    const text = nodeCgroupFs.readFileSync(p);
    expect(text).toBe("a \uFFFD é\n");
    fs.writeFileSync(p, "");
    await nodeCgroupFs.writeFile(p, text);
    expect(fs.readFileSync(p).equals(original)).toBe(true);
  });

  it("bytes that are not UTF-8 read as latin1, one character a byte", () => {
    const p = file(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0x0a]));
    expect(nodeCgroupFs.readFileSync(p)).toBe("a\u00ff\u00c3\u00a9\n");
  });

  it("ASCII, all the kernel prints, is unchanged both ways", async () => {
    const p = file(Buffer.from("max 100000\n", "ascii"));
    await nodeCgroupFs.writeFile(p, nodeCgroupFs.readFileSync(p));
    expect(fs.readFileSync(p, "latin1")).toBe("max 100000\n");
  });
});
