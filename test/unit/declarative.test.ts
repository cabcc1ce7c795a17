// The tree document and the cgconfig.conf reader, without a host: validation errors name the path and the value,
// the document's plain form reads back to the same document, and cgconfig.conf maps onto the limits model.
import { describe, expect, it } from "vitest";
import { parseCgconfig } from "../../src/declarative/cgconfig.js";
import { parseTreeDocument, TreeDocumentError, type TreeDocument } from "../../src/declarative/document.js";
import { formatTreeDocument, treeToPlain } from "../../src/declarative/export.js";
import { devicePreset } from "../../src/devices/presets.js";

const TREE = `
version: 1
groups:
  web:
    owner: "1000:1001"
    memory: {max: 64M, swap: max, low: 1048577, swappiness: 10, oomKillDisable: true}
    cpu: {weight: 200, quota: 50000, period: 100000, cpus: "0-1", mems: "0"}
    pids: {max: max}
    io: {blkioWeight: 500}
    hugetlb: {"2MB": 0}
    devices: container
    groups:
      worker:
        pids: {max: 10}
        devices: {default: deny, exceptions: ["c 1:3 rwm"]}
      empty:
`;

async function refused(text: string, source = "doc.yaml"): Promise<TreeDocumentError> {
  const err = await parseTreeDocument(text, source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TreeDocumentError);
  return err as TreeDocumentError;
}

describe("tree document", () => {
  it("reads every section into the limits model, devices and owners", async () => {
    const doc = await parseTreeDocument(TREE, "tree.yaml");
    const web = doc.groups.get("web")!;
    expect(web.owner).toEqual({ uid: 1000, gid: 1001 });
    expect(web.limits).toEqual({
      memory: { max: 64n << 20n, swap: "max", low: 1048577n, swappiness: 10, oomKillDisable: true },
      cpu: { weight: 200, quota: 50000n, period: 100000n, cpus: "0-1", mems: "0" },
      pids: { max: "max" },
      io: { blkioWeight: 500 },
      hugetlb: { "2MB": 0n },
    });
    expect(web.devices?.preset).toBe("container");
    expect(web.devices?.policy.equals(devicePreset("container"))).toBe(true);
    expect([...web.groups.keys()]).toEqual(["worker", "empty"]);
    expect(web.groups.get("worker")!.devices?.policy.toDevicesList()).toBe("c 1:3 rwm\n");
    expect(web.groups.get("empty")!.limits).toEqual({});
  });

  it("its plain form (what export prints) reads back to the same document, in YAML and JSON", async () => {
    const doc = await parseTreeDocument(TREE, "tree.yaml");
    const plain = (d: TreeDocument) => JSON.stringify(treeToPlain(d));
    for (const format of ["yaml", "json"] as const) {
      const text = await formatTreeDocument(doc, format);
      const again = await parseTreeDocument(text, `again.${format}`);
      expect(plain(again)).toBe(plain(doc));
      expect(await formatTreeDocument(again, format)).toBe(text);
    }
    expect(treeToPlain(doc)).toMatchObject({ groups: { web: { memory: { max: "64M", low: 1048577 }, owner: "1000:1001" } } });
  });

  it("keeps every digit of a byte count above 2^53", async () => {
    const doc = await parseTreeDocument("groups:\n  a:\n    memory: {max: 9007199254740993}\n", "big.yaml");
    expect(doc.groups.get("a")!.limits.memory?.max).toBe(9007199254740993n);
  });

  it.each([
    ["groups:\n  web:\n    memory: {max: 12X}\n", 'doc.yaml: groups.web.memory.max: "12X" is not a size (a byte count such as 67108864, 64M, 1G, or max)'],
    ["groups:\n  web:\n    memory: {low: max}\n", 'doc.yaml: groups.web.memory.low: "max" is not a size (a byte count such as 67108864, 64M, 1G)'],
    ["groups:\n  web:\n    cpu: {weight: 0}\n", "doc.yaml: groups.web.cpu.weight: 0 is out of range: expected an integer from 1 to 10000"],
    ["groups:\n  web:\n    memory: {swappiness: 101}\n", "doc.yaml: groups.web.memory.swappiness: 101 is out of range: expected an integer from 0 to 100"],
    ["groups:\n  web:\n    cpu: {cpus: 0-a}\n", 'doc.yaml: groups.web.cpu.cpus: "0-a" is not a CPU or node list (such as 0-3,6)'],
    ["groups:\n  web:\n    limits: {}\n", 'doc.yaml: groups.web: unknown key "limits" (expected: owner, memory, cpu, pids, io, hugetlb, devices, groups)'],
    ["groups:\n  web:\n    memory: {maximum: 1G}\n", 'doc.yaml: groups.web.memory: unknown key "maximum" (known here: none of these)'],
    ["groups: {}\nextra: 1\n", 'doc.yaml: unknown key "extra" (expected: version, groups)'],
    ["version: 2\ngroups: {}\n", "doc.yaml: version: 2 is not a known document version (expected 1)"],
    ["groups:\n  ..: {}\n", 'doc.yaml: groups: ".." is not a group name (one path component: no /, not . or ..)'],
    ["groups:\n  web:\n    owner: 1000\n", "doc.yaml: groups.web.owner: 1000 is not an owner: expected UID:GID with numeric ids below 4294967295, such as 1000:1000"],
    ["groups:\n  web:\n    devices: {default: deny, exceptions: [\"c 1:3 rwm\", \"c 1:3 r\"]}\n", "doc.yaml: groups.web.devices: names the same devices as an earlier exception; give each device range once with all its access"],
    ["- a\n", "doc.yaml: must be a mapping with a groups key, such as {groups: {web: {memory: {max: 64M}}}}"],
    ["groups:\n  web: {\n", "doc.yaml: is not valid YAML"],
    ["groups:\n  a: 1\n  a: 2\n", "doc.yaml: is not valid YAML: Map keys must be unique"],
  ])("refuses %j naming the path and the value", async (text, message) => {
    const err = await refused(text);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });
});

describe("cgconfig.conf", () => {
  const SAMPLE = `# comment
group a {
  perm {
    task { uid = 0; gid = 0; }
    admin { uid = root; gid = 0; }
  }
  cpu { cpu.shares = 100; cpu.cfs_quota_us = -1; }
  memory { memory.limit_in_bytes = 1G; memory.oom_control = 1; }
}
group a/b {
  memory { memory.limit_in_bytes = 1000; memory.memsw.limit_in_bytes = 3000; }
  devices { devices.deny = a; devices.allow = "c 1:3 rwm"; }
}
group c/d { pids { pids.max = max; } }
`;

  it("maps group sections onto nested groups, owners, limits and device policies", () => {
    const doc = parseCgconfig(SAMPLE, "cg.conf");
    const a = doc.groups.get("a")!;
    expect(a.owner).toEqual({ uid: 0, gid: 0 });
    expect(a.limits).toEqual({ cpu: { shares: 100n, quota: "max" }, memory: { max: 1n << 30n, oomKillDisable: true } });
    const b = a.groups.get("b")!;
    expect(b.limits.memory).toEqual({ max: 1000n, swap: 2000n });
    expect(b.devices?.policy.toDevicesList()).toBe("c 1:3 rwm\n");
    // c is not in the file: it becomes an empty parent of d.
    expect(doc.groups.get("c")!.limits).toEqual({});
    expect(doc.groups.get("c")!.groups.get("d")!.limits).toEqual({ pids: { max: "max" } });
  });

  it("reads devices.allow/deny in order from allow-all, as the kernel does on a new group", () => {
    const only = parseCgconfig('group x {\n  devices { devices.allow = "c 1:3 rwm"; }\n}\n', "cg.conf").groups.get("x")!;
    expect(only.devices?.policy.defaultAllow).toBe(true); // an allow under allow-all changes nothing
    const denyFirst = parseCgconfig('group x {\n  devices { devices.deny = "a *:* rwm"; devices.allow = "b 8:* r"; }\n}\n', "cg.conf").groups.get("x")!;
    expect(denyFirst.devices?.policy.toDevicesList()).toBe("b 8:* r\n");
  });

  it.each([
    ["mount { cpu = /cgroup/cpu; }\n", "cg.conf:1: mount: cgroupkit does not mount hierarchies"],
    ["default { perm { task { uid = 1; gid = 1; } } }\n", "cg.conf:1: default: default permissions for every group cannot be expressed"],
    ["group . { cpu { cpu.shares = 2; } }\n", 'cg.conf:1: .: the root group\'s settings cannot be expressed'],
    ["group x {\n  perm {\n    admin { uid = 1; gid = 1; dperm = 775; }\n  }\n}\n", "cg.conf:3: dperm = 775: file and directory modes (dperm) cannot be expressed"],
    ["group x {\n  perm {\n    task { uid = 1; gid = 1; }\n    admin { uid = 2; gid = 1; }\n  }\n}\n", "cg.conf:4: task 1:1, admin 2:1: task and admin owners differ"],
    ["group x {\n  perm { task { uid = nosuchuser-cgk; gid = 0; } }\n}\n", "cg.conf:2: uid = nosuchuser-cgk: no such user in /etc/passwd"],
    ["group x {\n  cpu {\n    cpu.rt_runtime_us = 1;\n  }\n}\n", 'cg.conf:3: cpu.rt_runtime_us = "1": cgroupkit cannot express cpu.rt_runtime_us'],
    ["group x {\n  cpu {\n    memory.limit_in_bytes = 1;\n  }\n}\n", 'cg.conf:3: memory.limit_in_bytes = "1": is not a parameter of the cpu controller'],
    ["group x {\n  memory {\n    memory.limit_in_bytes = 12X;\n  }\n}\n", 'cg.conf:3: groups.x.memory.max: "12X" is not a size'],
    ["group x {\n  memory {\n    memory.memsw.limit_in_bytes = 10;\n  }\n}\n", "cg.conf:3: memory.memsw.limit_in_bytes = 10: needs byte counts here and a numeric memory.limit_in_bytes"],
    ["group x {\n  devices {\n    devices.deny = a;\n    devices.allow = \"q 1:3 rwm\";\n  }\n}\n", 'cg.conf:4: devices.allow = "q 1:3 rwm": unknown device type "q"'],
    ["group x {\n  cpu {\n    cpu.shares = 2\n  }\n}\n", 'cg.conf:4: }: expected ";" after "2"'],
    ["group x {\n  cpu { cpu.shares = 2; }\n", 'cg.conf:2: the file ends where a controller or perm or "}" should be'],
    ["group x { }\ngroup x { }\n", "cg.conf:2: x: group x is defined twice (first on line 1)"],
    ['group x {\n  cpu { cpu.shares = "2; }\n}\n', "cg.conf:2: a quoted value is not closed on its line"],
  ])("refuses %j naming the line", (text, message) => {
    let err: unknown;
    try {
      parseCgconfig(text, "cg.conf");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message.startsWith(message), (err as Error).message).toBe(true);
  });
});
