// v1 device ACL edge cases found by a differential run against the kernel (#17 item 6), each on the host's real devices hierarchy.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Cgroup } from "../../src/cgroup/cgroup.js";
import { readCgroupLayout } from "../../src/cgroup/mounts.js";
import { DeviceAclError, DeviceRuleIgnoredError } from "../../src/devices/errors.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { devicePreset } from "../../src/devices/presets.js";
import { applyV1DevicePolicy } from "../../src/devices/v1.js";
import { isRoot, removeTree, testName, v1Hierarchy } from "../support/host.js";

const DEVICES = v1Hierarchy("devices");
const created: string[] = [];

afterEach(() => {
  for (const top of created.splice(0)) removeTree(`${DEVICES}/${top}`);
});

async function group(name = `${testName()}`): Promise<Cgroup> {
  created.push(name.split("/")[0]!);
  const layout = await readCgroupLayout();
  return Cgroup.create(name, { controllers: ["devices"], layout: { ...layout, v2: undefined, hierarchies: layout.hierarchies.filter((h) => h.version === "v1") } });
}

const dirOf = (cg: Cgroup) => cg.placement("devices")!.dir;

/** Whether a process in the group can open the device for reading (the shell joins, then cat opens it). */
function canOpen(dir: string, device: string): boolean {
  const r = spawnSync("sh", ["-c", 'echo $$ > "$1/cgroup.procs" && exec head -c 0 "$2"', "sh", dir, device], { encoding: "utf8" });
  if (r.status !== 0 && !/Operation not permitted/.test(r.stderr)) throw new Error(`probe failed otherwise: ${r.stderr}`);
  return r.status === 0;
}

const denying = (...rules: string[]) => DevicePolicy.fromState(true, rules);

describe.runIf(isRoot && DEVICES !== undefined)("v1 device edge cases (#17.6)", () => {
  it("1. default-allow -> default-allow with other exceptions: the hidden old deny is reported, and cleared on request", async () => {
    const cg = await group();
    const dir = dirOf(cg);
    await applyV1DevicePolicy(dir, denying("c 1:3 rwm"));
    expect(canOpen(dir, "/dev/null")).toBe(false);

    const kept = await applyV1DevicePolicy(dir, denying("c 1:5 rwm"));
    expect(kept.hiddenExceptionsMayRemain).toBe(true);
    expect(canOpen(dir, "/dev/null")).toBe(false); // the old deny stayed: stricter than asked, and the result says it may be
    expect(canOpen(dir, "/dev/zero")).toBe(false);

    const reset = await applyV1DevicePolicy(dir, denying("c 1:5 rwm"), undefined, { allowTransientAllowAll: true });
    expect(reset.hiddenExceptionsMayRemain).toBeUndefined();
    expect(reset.writes[0]).toEqual({ file: "devices.allow", rule: { type: "a", major: "*", minor: "*", access: "rwm" } });
    expect(canOpen(dir, "/dev/null")).toBe(true);
    expect(canOpen(dir, "/dev/zero")).toBe(false);

    // allow-all as the target is its own reset: no window, no flag needed.
    await applyV1DevicePolicy(dir, denying("c 1:3 rwm"));
    const all = await applyV1DevicePolicy(dir, DevicePolicy.allowAll());
    expect(all.hiddenExceptionsMayRemain).toBeUndefined();
    expect(canOpen(dir, "/dev/null")).toBe(true);
  });

  it("2. a default-allow group with a child, moved to default-deny: refused by the kernel, closed with c/b wildcard denies in parent and child", async () => {
    const cg = await group();
    const child = await group(`${cg.name}/child`);
    const err = await applyV1DevicePolicy(dirOf(cg), devicePreset("libvirt-lxc")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceAclError);
    expect(err).toMatchObject({ deniedAll: true });
    expect((err as Error).message).toMatch(/EINVAL.*now denies every device \("c \*:\* rwm" and "b \*:\* rwm" in devices\.deny/);
    for (const dir of [dirOf(cg), dirOf(child)]) {
      expect(canOpen(dir, "/dev/null")).toBe(false);
      expect(canOpen(dir, "/dev/zero")).toBe(false);
    }
  });

  it("3. right after the rmdir of the last child, `a` is retried until the kernel takes the child offline", async () => {
    for (let round = 0; round < 5; round++) {
      const cg = await group();
      const child = await group(`${cg.name}/child`);
      fs.rmdirSync(dirOf(child));
      const result = await applyV1DevicePolicy(dirOf(cg), devicePreset("libvirt-lxc"));
      expect(result.after.equals(devicePreset("libvirt-lxc"))).toBe(true);
      expect(canOpen(dirOf(cg), "/dev/null")).toBe(true);
      expect(canOpen(dirOf(cg), "/dev/kmsg")).toBe(false);
    }
  });

  it("4. DeviceRuleIgnoredError tells an overlapping range from a wider one; the kernel indeed ignores the allow", async () => {
    const overlapping = () => DevicePolicy.fromRules([{ allow: false, rule: "c *:3 rwm" }, { allow: true, rule: "c 1:* rwm" }]);
    expect(overlapping).toThrow(DeviceRuleIgnoredError);
    expect(overlapping).toThrow(/"c \*:3 rwm" \(an overlapping range\) still denies part of "c 1:\* rwm"/);
    expect(() => DevicePolicy.fromRules([{ allow: false, rule: "c *:* rwm" }, { allow: true, rule: "c 1:3 rwm" }])).toThrow(/"c \*:\* rwm" \(a wider range\) still denies part/);
    // What the kernel does with the two writes: the allow is accepted and changes nothing.
    const cg = await group();
    const dir = dirOf(cg);
    fs.writeFileSync(`${dir}/devices.deny`, "c *:3 rwm");
    fs.writeFileSync(`${dir}/devices.allow`, "c 1:* rwm");
    expect(canOpen(dir, "/dev/null")).toBe(false);
    expect(canOpen(dir, "/dev/zero")).toBe(true);
  });
});
