// FaultInjectingFs over the real NodeCgroupFs on a temp directory: faults hit exactly the calls
// they name, failed calls never reach the disk, and the log records every call.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { FaultInjectingFs } from "../../src/runtime/fault-fs.js";
import { NodeCgroupFs } from "../../src/runtime/fs.js";

let dir: string;
let allow: string;
let limit: string;
let ffs: FaultInjectingFs;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-fault-fs-"));
  allow = path.join(dir, "devices.allow");
  limit = path.join(dir, "memory.limit_in_bytes");
  fs.writeFileSync(allow, "");
  fs.writeFileSync(limit, "9223372036854771712\n");
  ffs = new FaultInjectingFs(new NodeCgroupFs());
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function errnoOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CgroupIoError);
  return (err as CgroupIoError).errno;
}

describe("FaultInjectingFs", () => {
  it("passes calls through and logs them, write data included", async () => {
    await ffs.writeFile(allow, "c 1:3 rwm");
    expect(await ffs.readFile(allow)).toBe("c 1:3 rwm");
    expect(ffs.readFileSync(limit)).toBe("9223372036854771712\n");
    expect(ffs.log).toEqual([
      { op: "write", path: allow, data: "c 1:3 rwm" },
      { op: "read", path: allow },
      { op: "read", path: limit },
    ]);
  });

  it("fails the next matching write with the errno, leaves the file untouched, then lets writes through", async () => {
    ffs.failNext("write", "devices.allow", "EINVAL");
    expect(await errnoOf(ffs.writeFile(allow, "c 1:3 rwm"))).toBe("EINVAL");
    expect(fs.readFileSync(allow, "utf8")).toBe("");
    expect(ffs.writes).toEqual([]);
    expect(ffs.calls("write")).toEqual([{ op: "write", path: allow, data: "c 1:3 rwm", injected: "EINVAL" }]);
    await ffs.writeFile(allow, "c 1:5 rwm");
    expect(fs.readFileSync(allow, "utf8")).toBe("c 1:5 rwm");
    expect(ffs.pendingFaults).toBe(0);
  });

  it("the error carries op, path, value and errno like the real fs", () => {
    ffs.failNext("write", /memory\.limit_in_bytes$/, "EBUSY");
    let caught: unknown;
    try {
      ffs.writeFileSync(limit, "1048576");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CgroupIoError);
    const err = caught as CgroupIoError;
    expect([err.op, err.path, err.errno, err.code, err.value]).toEqual(["write", limit, "EBUSY", "EBUSY", "1048576"]);
    expect(err.message).toContain("EBUSY");
  });

  it("fails only the nth matching call, and only calls of that kind on that path", async () => {
    ffs.inject({ op: "write", path: "devices.allow", errno: "ENOSPC", nth: 3 });
    await ffs.writeFile(limit, "1"); // other path: not counted
    await ffs.readFile(allow); // other kind: not counted
    await ffs.writeFile(allow, "a");
    await ffs.writeFile(allow, "b");
    expect(await errnoOf(ffs.writeFile(allow, "c"))).toBe("ENOSPC");
    await ffs.writeFile(allow, "d");
    expect(fs.readFileSync(allow, "utf8")).toBe("d");
    expect(ffs.writes.map((w) => w.data)).toEqual(["1", "a", "b", "d"]);
  });

  it("times: Infinity fails every matching call until cleared", async () => {
    ffs.inject({ op: "read", path: limit, errno: "EIO", times: Infinity });
    expect(await errnoOf(ffs.readFile(limit))).toBe("EIO");
    expect(() => ffs.readFileSync(limit)).toThrow(CgroupIoError);
    expect(ffs.pendingFaults).toBe(1);
    ffs.clearFaults();
    expect(await ffs.readFile(limit)).toBe("9223372036854771712\n");
  });

  it("a string pattern matches the whole path or its last components, not a substring", async () => {
    ffs.failNext("write", "allow", "EPERM"); // not a path component: never matches devices.allow
    await ffs.writeFile(allow, "x");
    expect(ffs.pendingFaults).toBe(1);
    ffs.clearFaults();
    ffs.failNext("write", allow, "EPERM");
    expect(await errnoOf(ffs.writeFile(allow, "y"))).toBe("EPERM");
  });

  it("directory operations: mkdir, readdir, rmdir fail as asked; stat ENOENT reads as missing", async () => {
    const group = path.join(dir, "cgroupkit-test-x");
    ffs.failNext("mkdir", group, "EEXIST");
    expect(await errnoOf(ffs.mkdir(group))).toBe("EEXIST");
    expect(fs.existsSync(group)).toBe(false);
    await ffs.mkdir(group);
    expect((await ffs.readdir(dir)).map((e) => e.name).sort()).toEqual(["cgroupkit-test-x", "devices.allow", "memory.limit_in_bytes"]);
    ffs.failNext("stat", group, "ENOENT").failNext("rmdir", group, "EBUSY");
    expect(await ffs.stat(group)).toBeUndefined();
    expect((await ffs.stat(group))?.isDirectory).toBe(true);
    expect(await errnoOf(ffs.rmdir(group))).toBe("EBUSY");
    expect(fs.existsSync(group)).toBe(true);
    await ffs.rmdir(group);
    expect(fs.existsSync(group)).toBe(false);
    expect(ffs.log.map((e) => `${e.op}${e.injected ? `!${e.injected}` : ""}`)).toEqual([
      "mkdir!EEXIST",
      "mkdir",
      "readdir",
      "stat!ENOENT",
      "stat",
      "rmdir!EBUSY",
      "rmdir",
    ]);
  });

  it("refuses malformed faults", () => {
    expect(() => ffs.inject({ op: "write", path: "x", errno: "busy" })).toThrow(RangeError);
    expect(() => ffs.inject({ op: "write", path: "x", errno: "EBUSY", nth: 0 })).toThrow(RangeError);
    expect(() => ffs.inject({ op: "write", path: "x", errno: "EBUSY", times: 1.5 })).toThrow(RangeError);
  });
});
