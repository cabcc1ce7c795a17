// The kernel's topology rules, seen as typed errors through the runtime's fs: the "no internal
// processes" rule and threaded mode.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CgroupIoError } from "../../src/runtime/errors.js";
import { nodeCgroupFs } from "../../src/runtime/fs.js";
import { cleanupGroups, enableAll, exited, newGroup, procs, read, readWords, ROOT, spawnIn, until, write } from "./support/v2.js";

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  cleanupGroups();
});

beforeAll(() => enableAll(ROOT));

function sleeper(dir: string): ChildProcess {
  const child = spawnIn(dir, "exec sleep 600");
  children.push(child);
  return child;
}

// Node names errno 95 ENOTSUP (libuv's name); the kernel's documentation calls it EOPNOTSUPP. Same number on Linux.
const ERRNO_NAMES: Record<string, string[]> = { EOPNOTSUPP: ["EOPNOTSUPP", "ENOTSUP"] };

async function expectIoError(promise: Promise<unknown>, code: keyof typeof os.constants.errno, file: string, value: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${file} <- ${value} should fail with ${code}`).toBeInstanceOf(CgroupIoError);
  const ioError = err as CgroupIoError;
  expect({ path: ioError.path, value: ioError.value, op: ioError.op }).toEqual({ path: file, value, op: "write" });
  expect(ERRNO_NAMES[code] ?? [code]).toContain(ioError.code);
  expect(ioError.errno).toBe(ioError.code);
  expect((ioError.cause as NodeJS.ErrnoException).errno).toBe(-os.constants.errno[code]);
  expect(ioError.message).toContain(ioError.code);
}

describe("no internal processes", () => {
  it("a group with processes cannot enable a domain controller for its children (EBUSY)", async () => {
    const group = newGroup();
    const child = sleeper(group);
    await until("the sleeper to join", () => procs(group).includes(child.pid!));
    await expectIoError(nodeCgroupFs.writeFile(path.join(group, "cgroup.subtree_control"), "+memory"), "EBUSY", path.join(group, "cgroup.subtree_control"), "+memory");
    expect(read(group, "cgroup.subtree_control").trim()).toBe("");
  });

  it("a group that distributes a domain controller cannot take a process (EBUSY); its leaf can", async () => {
    const group = newGroup();
    const leaf = path.join(group, "leaf");
    fs.mkdirSync(leaf);
    write(group, "cgroup.subtree_control", "+memory +io");
    const parked = newGroup();
    const child = sleeper(parked);
    await until("the sleeper to join", () => procs(parked).includes(child.pid!));

    await expectIoError(nodeCgroupFs.writeFile(path.join(group, "cgroup.procs"), String(child.pid)), "EBUSY", path.join(group, "cgroup.procs"), String(child.pid));
    expect(procs(group)).toEqual([]);
    await nodeCgroupFs.writeFile(path.join(leaf, "cgroup.procs"), String(child.pid));
    expect(procs(leaf)).toEqual([child.pid]);
    expect(readWords(path.join(group, "cgroup.events"))).toEqual(expect.arrayContaining(["populated", "1"]));
  });

  it("the root is exempt: it holds processes and distributes every controller", () => {
    expect(procs(ROOT)).toContain(process.pid);
    expect(readWords(path.join(ROOT, "cgroup.subtree_control")).sort()).toEqual(readWords(path.join(ROOT, "cgroup.controllers")).sort());
  });
});

describe("threaded mode", () => {
  it("a threaded child makes its parent a threaded domain; the change is one-way (EINVAL)", async () => {
    const domain = newGroup();
    const threaded = path.join(domain, "t");
    fs.mkdirSync(threaded);
    expect(read(threaded, "cgroup.type").trim()).toBe("domain");
    await nodeCgroupFs.writeFile(path.join(threaded, "cgroup.type"), "threaded");
    expect(read(threaded, "cgroup.type").trim()).toBe("threaded");
    expect(read(domain, "cgroup.type").trim()).toBe("domain threaded");
    await expectIoError(nodeCgroupFs.writeFile(path.join(threaded, "cgroup.type"), "domain"), "EINVAL", path.join(threaded, "cgroup.type"), "domain");
  });

  it("only threaded controllers can be enabled inside a threaded subtree (EOPNOTSUPP)", async () => {
    const domain = newGroup();
    const threaded = path.join(domain, "t");
    fs.mkdirSync(threaded);
    write(domain, "cgroup.subtree_control", "+cpu +pids +cpuset");
    write(threaded, "cgroup.type", "threaded");
    // The threaded domain offers memory (its parent enables it) but cannot distribute it into a threaded subtree.
    expect(readWords(path.join(domain, "cgroup.controllers"))).toContain("memory");
    await expectIoError(nodeCgroupFs.writeFile(path.join(domain, "cgroup.subtree_control"), "+memory"), "EOPNOTSUPP", path.join(domain, "cgroup.subtree_control"), "+memory");
    // So below it, memory is not even offered.
    const file = path.join(threaded, "cgroup.subtree_control");
    expect(readWords(path.join(threaded, "cgroup.controllers")).sort()).toEqual(["cpu", "cpuset", "pids"]);
    await expectIoError(nodeCgroupFs.writeFile(file, "+memory"), "ENOENT", file, "+memory");
    await nodeCgroupFs.writeFile(file, "+cpu +pids +cpuset");
    expect(readWords(file).sort()).toEqual(["cpu", "cpuset", "pids"]);
  });

  it("a parent that distributes a domain controller cannot get a threaded child (EOPNOTSUPP)", async () => {
    const domain = newGroup();
    const child = path.join(domain, "c");
    fs.mkdirSync(child);
    write(domain, "cgroup.subtree_control", "+memory");
    await expectIoError(nodeCgroupFs.writeFile(path.join(child, "cgroup.type"), "threaded"), "EOPNOTSUPP", path.join(child, "cgroup.type"), "threaded");
    expect(read(child, "cgroup.type").trim()).toBe("domain");
  });

  it("a domain under a threaded group is 'domain invalid' and cannot take a process (EOPNOTSUPP)", async () => {
    const domain = newGroup();
    const threaded = path.join(domain, "t");
    fs.mkdirSync(threaded);
    write(threaded, "cgroup.type", "threaded");
    const invalid = path.join(threaded, "d");
    fs.mkdirSync(invalid);
    expect(read(invalid, "cgroup.type").trim()).toBe("domain invalid");
    const parked = newGroup();
    const child = sleeper(parked);
    await until("the sleeper to join", () => procs(parked).includes(child.pid!));
    await expectIoError(nodeCgroupFs.writeFile(path.join(invalid, "cgroup.procs"), String(child.pid)), "EOPNOTSUPP", path.join(invalid, "cgroup.procs"), String(child.pid));
  });

  it("threads of one process spread across a threaded subtree, and only within its threaded domain", async () => {
    const domain = newGroup();
    const threaded = path.join(domain, "t");
    fs.mkdirSync(threaded);
    write(threaded, "cgroup.type", "threaded");
    // node runs several threads (libuv pool, V8 platform workers) besides its main one.
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], { stdio: "ignore" });
    children.push(child);
    const pid = child.pid!;
    const tid = await until("a second thread in node", () => fs.readdirSync(`/proc/${pid}/task`).map(Number).find((t) => t !== pid));
    const threadsFile = path.join(threaded, "cgroup.threads");

    // Still in the root's domain: its thread cannot move into another threaded domain.
    await expectIoError(nodeCgroupFs.writeFile(threadsFile, String(tid)), "EOPNOTSUPP", threadsFile, String(tid));

    await nodeCgroupFs.writeFile(path.join(domain, "cgroup.procs"), String(pid));
    await nodeCgroupFs.writeFile(threadsFile, String(tid));
    expect(readWords(threadsFile).map(Number)).toEqual([tid]);
    expect(fs.readFileSync(`/proc/${pid}/task/${tid}/cgroup`, "utf8").trim()).toBe(`0::/${path.relative(ROOT, threaded)}`);
    expect(fs.readFileSync(`/proc/${pid}/task/${pid}/cgroup`, "utf8").trim()).toBe(`0::/${path.relative(ROOT, domain)}`);
    // The threaded domain lists the process; the threaded group's cgroup.procs is not readable.
    expect(procs(domain)).toEqual([pid]);
    const unreadable = await nodeCgroupFs.readFile(path.join(threaded, "cgroup.procs")).then(() => undefined, (e: unknown) => e);
    expect(unreadable).toBeInstanceOf(CgroupIoError);
    expect(((unreadable as CgroupIoError).cause as NodeJS.ErrnoException).errno).toBe(-os.constants.errno.EOPNOTSUPP);
  });
});
