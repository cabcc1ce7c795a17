import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DevicePolicy,
  DeviceRuleIgnoredError,
  devicePreset,
  simulateV1Propagation,
  simulateV1Write,
  type DevicePolicyRule,
  type V1Write,
} from "../../src/devices/index.js";
import { parseDeviceRule, type DeviceRule } from "../../src/runtime/device-rule.js";
import { InvalidValueError, ParseError } from "../../src/runtime/errors.js";

const allow = (rule: string): DevicePolicyRule => ({ allow: true, rule });
const deny = (rule: string): DevicePolicyRule => ({ allow: false, rule });
const w = (file: "allow" | "deny", rule: string): V1Write => ({ file: `devices.${file}`, rule: parseDeviceRule(rule) });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

/**
 * An independent statement of the kernel's check, written from the documented meaning rather
 * than the kernel's loops: the set of (device, letter) pairs an exception covers, per letter.
 */
function referenceAllows(policy: DevicePolicy, type: "b" | "c", major: number, minor: number, access: string): boolean {
  const holds = (ex: DeviceRule) => ex.type === type && (ex.major === "*" || ex.major === major) && (ex.minor === "*" || ex.minor === minor);
  const letters = [...access];
  if (policy.defaultAllow) return letters.every((l) => !policy.exceptions.some((ex) => holds(ex) && ex.access.includes(l)));
  return policy.exceptions.some((ex) => holds(ex) && letters.every((l) => ex.access.includes(l)));
}

const SMALL_MAJORS = [1, 2, "*"] as const;
const SMALL_MINORS = [3, 4, "*"] as const;
const smallRule = fc.record({
  type: fc.constantFrom("b" as const, "c" as const),
  major: fc.constantFrom(...SMALL_MAJORS),
  minor: fc.constantFrom(...SMALL_MINORS),
  access: fc.subarray(["r", "w", "m"], { minLength: 1 }).map((l) => l.join("")),
});
const smallPolicy = fc
  .tuple(fc.boolean(), fc.uniqueArray(smallRule, { maxLength: 6, selector: (r) => `${r.type} ${r.major}:${r.minor}` }))
  .map(([defaultAllow, exceptions]) => DevicePolicy.fromState(defaultAllow, exceptions));
const ACCESS_SETS = ["", "r", "w", "m", "rw", "rm", "wm", "rwm"];

describe("DevicePolicy.allows: the kernel's permission check", () => {
  it("default deny: one exception must hold the device and every requested letter (as the live kernel showed)", () => {
    const p = DevicePolicy.fromRules([deny("a"), allow("c *:3 r"), allow("c 1:* w")]);
    expect(p.allows("c", 1, 3, "r")).toBe(true);
    expect(p.allows("c", 1, 3, "w")).toBe(true);
    // read and write together are held by no single exception: O_RDWR on /dev/null is refused
    expect(p.allows("c", 1, 3, "rw")).toBe(false);
    expect(p.allows("c", 2, 3, "w")).toBe(false);
    expect(p.allows("b", 1, 3, "r")).toBe(false);
    // access "" (neither read nor write): passes only where some exception names the device
    expect(p.allows("c", 1, 3, "")).toBe(true);
    expect(p.allows("c", 9, 9, "")).toBe(false);
  });

  it("default allow: denied when an exception holding the device shares any requested letter", () => {
    const p = DevicePolicy.fromRules([allow("a"), deny("c *:3 r")]);
    expect(p.allows("c", 1, 3, "r")).toBe(false);
    expect(p.allows("c", 1, 3, "w")).toBe(true);
    expect(p.allows("c", 1, 3, "rw")).toBe(false);
    expect(p.allows("c", 1, 4, "rw")).toBe(true);
    expect(p.allows("b", 1, 3, "r")).toBe(true);
    expect(p.allows("c", 1, 3, "")).toBe(true);
  });

  it("a * in the request asks about every number in the range", () => {
    const deny136 = DevicePolicy.fromRules([deny("a"), allow("c 136:* rw")]);
    expect(deny136.allows("c", 136, "*", "rw")).toBe(true);
    expect(deny136.allows("c", "*", "*", "r")).toBe(false);
    const allowExcept = DevicePolicy.fromRules([allow("a"), deny("c 136:4 r")]);
    expect(allowExcept.allows("c", 136, "*", "r")).toBe(false);
    expect(allowExcept.allows("c", 137, "*", "r")).toBe(true);
    expect(allowExcept.allows("c", 136, "*", "w")).toBe(true);
  });

  it("agrees with an independent reference on random policies and devices", () => {
    fc.assert(
      fc.property(smallPolicy, fc.constantFrom("b" as const, "c" as const), fc.constantFrom(0, 1, 2, 7), fc.constantFrom(0, 3, 4, 9), fc.constantFrom(...ACCESS_SETS), (p, type, major, minor, access) => {
        expect(p.allows(type, major, minor, access)).toBe(referenceAllows(p, type, major, minor, access));
      }),
      { seed: 3, numRuns: 3000 },
    );
  });

  it("refuses malformed requests", () => {
    const p = DevicePolicy.denyAll();
    for (const args of [["a", 1, 3, "r"], ["c", -1, 3, "r"], ["c", 1, 4294967295, "r"], ["c", 1, 3, "rr"], ["c", 1, 3, "x"], ["c", 1.5, 3, "r"]] as const) {
      expect(thrown(() => p.allows(...(args as unknown as ["c", number, number, string]))), JSON.stringify(args)).toBeInstanceOf(InvalidValueError);
    }
  });
});

describe("writes, as devcgroup_update_access makes them", () => {
  it("'a' resets the default and clears the exceptions", () => {
    const p = DevicePolicy.fromRules([deny("a"), allow("c 1:3 rwm"), allow("a")]);
    expect(p.defaultAllow).toBe(true);
    expect(p.exceptions).toEqual([]);
    const q = DevicePolicy.fromRules([deny("c 1:3 r"), deny("a")]);
    expect(q.defaultAllow).toBe(false);
    expect(q.exceptions).toEqual([]);
  });

  it("adding merges access into the exception naming the same devices; removing clears bits and drops empty ones", () => {
    const p = DevicePolicy.fromRules([deny("a"), allow("c 1:3 r"), allow("b 8:* m"), allow("c 1:3 mw")]);
    expect(p.toDevicesList()).toBe("c 1:3 rwm\nb 8:* m\n");
    const q = DevicePolicy.fromRules([deny("c 1:3 w")], { start: p });
    expect(q.toDevicesList()).toBe("c 1:3 rm\nb 8:* m\n");
    const r = DevicePolicy.fromRules([deny("c 1:3 rm")], { start: q });
    expect(r.toDevicesList()).toBe("b 8:* m\n");
    // a deny that takes nothing away is redundant, not refused
    expect(DevicePolicy.fromRules([deny("c 9:9 rwm")], { start: r }).equals(r)).toBe(true);
  });

  it("refuses rules the kernel would silently not carry out", () => {
    const holeInWildcardDeny = thrown(() => DevicePolicy.fromRules([allow("a"), deny("c *:* rwm"), allow("c 1:3 r")]));
    expect(holeInWildcardDeny).toBeInstanceOf(DeviceRuleIgnoredError);
    expect((holeInWildcardDeny as DeviceRuleIgnoredError).index).toBe(2);
    expect((holeInWildcardDeny as DeviceRuleIgnoredError).file).toBe("devices.allow");
    expect((holeInWildcardDeny as DeviceRuleIgnoredError).message).toMatch(/ignore/);

    const holeInWildcardAllow = thrown(() => DevicePolicy.fromRules([deny("a"), allow("c *:* m"), deny("c 1:3 m")]));
    expect(holeInWildcardAllow).toBeInstanceOf(DeviceRuleIgnoredError);
    expect((holeInWildcardAllow as DeviceRuleIgnoredError).write).toEqual(w("deny", "c 1:3 m"));

    // the same in the kernel's model is a silent no-op
    const before = DevicePolicy.fromRules([deny("a"), allow("c *:* m")]);
    expect(before.withWrite(w("deny", "c 1:3 m")).equals(before)).toBe(true);

    // partly effective: removes r from c 1:3 but c 1:* r still allows it
    expect(thrown(() => DevicePolicy.fromRules([deny("a"), allow("c 1:3 rw"), allow("c 1:* r"), deny("c 1:3 rw")]))).toBeInstanceOf(DeviceRuleIgnoredError);
    // an allow that the default already grants is fine
    expect(DevicePolicy.fromRules([allow("c 1:3 r")]).equals(DevicePolicy.allowAll())).toBe(true);
    // a narrower allow removing part of a same-numbered deny is fine
    expect(DevicePolicy.fromRules([deny("c 1:3 rwm"), allow("c 1:3 r")]).exceptions).toEqual([parseDeviceRule("c 1:3 wm")]);
  });

  it("simulates the parent checks: EPERM beyond the parent, EINVAL for 'a' with children", () => {
    const parent = DevicePolicy.fromRules([deny("a"), allow("c 1:* rw"), allow("b 8:0 r")]);
    const child = parent;
    expect(simulateV1Write(child, w("allow", "c 1:3 r"), { parent })).toMatchObject({ ok: true });
    expect(simulateV1Write(child, w("allow", "c 1:3 m"), { parent })).toMatchObject({ ok: false, errno: "EPERM" });
    expect(simulateV1Write(child, w("allow", "c *:3 r"), { parent })).toMatchObject({ ok: false, errno: "EPERM" });
    expect(simulateV1Write(child, w("allow", "a"), { parent })).toMatchObject({ ok: false, errno: "EPERM" });
    expect(simulateV1Write(child, w("deny", "a"), { parent, hasChildren: true })).toMatchObject({ ok: false, errno: "EINVAL" });
    // denies are always permitted
    expect(simulateV1Write(child, w("deny", "c 5:5 rwm"), { parent })).toMatchObject({ ok: true });

    const allowParent = DevicePolicy.fromRules([allow("a"), deny("c 5:* w")]);
    // "a" under a default-allow parent copies the parent's exceptions
    const reset = simulateV1Write(DevicePolicy.denyAll(), w("allow", "a"), { parent: allowParent });
    expect(reset.ok && reset.policy.exceptions).toEqual([parseDeviceRule("c 5:* w")]);
    // a default-deny child may not allow what the parent's exceptions touch at all
    expect(simulateV1Write(DevicePolicy.denyAll(), w("allow", "c 5:1 r"), { parent: allowParent })).toMatchObject({ ok: true });
    expect(simulateV1Write(DevicePolicy.denyAll(), w("allow", "c 5:1 rw"), { parent: allowParent })).toMatchObject({ ok: false, errno: "EPERM" });
    // a default-allow child may not drop a restriction the parent holds
    const allowChild = DevicePolicy.fromRules([allow("a"), deny("c 5:* w"), deny("c 6:1 r")]);
    expect(simulateV1Write(allowChild, w("allow", "c 5:1 w"), { parent: allowParent })).toMatchObject({ ok: false, errno: "EPERM" });
    expect(simulateV1Write(allowChild, w("allow", "c 6:1 r"), { parent: allowParent })).toMatchObject({ ok: true });
  });

  it("propagates a parent's deny to its child as the kernel documentation's example shows", () => {
    // Documentation/admin-guide/cgroup-v1/devices.rst, section 4.
    const a = DevicePolicy.fromRules([allow("a"), deny("b 8:* rwm"), deny("c 116:1 rw")]);
    const b = DevicePolicy.fromRules([deny("a"), allow("c 1:3 rwm"), allow("c 116:2 rwm"), allow("b 3:* rwm")]);
    const aAfter = a.withWrite(w("deny", "c 116:* r"));
    const bAfter = simulateV1Propagation(b, aAfter, parseDeviceRule("c 116:* r"));
    expect(bAfter.toDevicesList()).toBe("c 1:3 rwm\nb 3:* rwm\n");

    // and new allows in the parent are not propagated, but let the child allow more
    const a2 = DevicePolicy.fromRules([deny("a"), allow("c 1:3 rwm"), allow("c 1:5 r")]);
    const a2After = simulateV1Write(a2, w("allow", "c *:3 rwm"));
    expect(a2After.ok).toBe(true);
    if (!a2After.ok) return;
    expect(simulateV1Write(a2, w("allow", "c 2:3 rwm"), { parent: a2 })).toMatchObject({ ok: false, errno: "EPERM" });
    for (const rule of ["c 2:3 rwm", "c 50:3 r", "c *:3 rwm"]) {
      expect(simulateV1Write(a2, w("allow", rule), { parent: a2After.policy }), rule).toMatchObject({ ok: true });
    }
  });
});

describe("devices.list, JSON and OCI forms", () => {
  it("round-trips devices.list", () => {
    fc.assert(
      fc.property(smallPolicy, (p) => {
        const back = DevicePolicy.fromDevicesList(p.toDevicesList());
        if (p.defaultAllow) expect(back.equals(DevicePolicy.allowAll())).toBe(true); // the kernel hides a default-allow group's exceptions
        else {
          expect(back.equals(p)).toBe(true);
          expect(back.exceptions).toEqual(p.exceptions);
        }
      }),
      { seed: 4, numRuns: 300 },
    );
    expect(DevicePolicy.fromDevicesList("").equals(DevicePolicy.denyAll())).toBe(true);
    expect(DevicePolicy.fromDevicesList("a *:* rwm\n").equals(DevicePolicy.allowAll())).toBe(true);
  });

  it("refuses malformed devices.list text", () => {
    for (const text of ["c 1:3 rwm", "c 1:3 rwm\nc 1:3 r\n", "a *:* rwm\nc 1:3 r\n", "c 1:3 q\n", "\n"]) {
      const err = thrown(() => DevicePolicy.fromDevicesList(text));
      expect(err, JSON.stringify(text)).toBeInstanceOf(ParseError);
      expect((err as ParseError).file).toBe("devices.list");
    }
  });

  it("reads the JSON state form and an OCI devices array", () => {
    const p = DevicePolicy.fromJson('{"default": "deny", "exceptions": ["c 1:3 rwm", "c 136:* rw"]}');
    expect(p.toDevicesList()).toBe("c 1:3 rwm\nc 136:* rw\n");
    expect(DevicePolicy.fromJson(JSON.stringify(p)).equals(p)).toBe(true);
    // Docker's default: deny everything, then the runtime's allow list.
    const oci = DevicePolicy.fromOciDevices([
      { allow: false, access: "rwm" },
      { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
      { allow: true, type: "c", major: 136, access: "rwm" },
      { allow: true, type: "b", access: "m" },
    ]);
    expect(oci.toDevicesList()).toBe("c 1:3 rwm\nc 136:* rwm\nb *:* m\n");
    expect(DevicePolicy.fromJson(JSON.stringify(oci.toOciDevices())).equals(oci)).toBe(true);
    const preset = devicePreset("container");
    expect(DevicePolicy.fromOciDevices(preset.toOciDevices()).equals(preset)).toBe(true);
  });

  it("refuses malformed JSON and OCI entries with the entry and the reason", () => {
    const cases: Array<[unknown, RegExp]> = [
      ["{", /not JSON/],
      ['{"default": "maybe"}', /default/],
      ['{"default": "deny", "exceptions": ["c 1:3 rwm", "c 1:3 r"]}', /same devices/],
      ['{"default": "deny", "exceptions": ["a"]}', /"a" is the default/],
      ['{"default": "deny", "extra": 1}', /unknown key/],
      [[{ allow: "yes", access: "rwm" }], /entry 0: "allow"/],
      [[{ allow: true, type: "c", major: -1, access: "rwm" }], /entry 0: "major"/],
      [[{ allow: true, type: "c", access: "" }], /entry 0: "access"/],
      [[{ allow: true, type: "c" }], /entry 0: "access"/],
      [[{ allow: true, type: "c", access: "rwx" }], /entry 0: unknown access letter/],
      [[{ allow: false, type: "a", major: 1, access: "rwm" }], /entry 0: a type "a" entry/],
      [[{ allow: false, access: "r" }], /entry 0: a type "a" rule/],
      [[{ allow: true, type: "u", access: "r" }], /entry 0: "type"/],
      [[{ allow: true, type: "c", access: "r", path: "/dev/x" }], /entry 0: unknown key "path"/],
      [[null], /entry 0/],
      [{ not: "an array" }, /unknown key/],
    ];
    for (const [input, reason] of cases) {
      const err = thrown(() => DevicePolicy.fromJson(input, "policy.json"));
      expect(err, JSON.stringify(input)).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).message, JSON.stringify(input)).toMatch(reason);
    }
    const ignored = thrown(() => DevicePolicy.fromOciDevices([{ allow: false, type: "c", access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "r" }]));
    expect(ignored).toBeInstanceOf(DeviceRuleIgnoredError);
  });

  it("reads a JSON file and reports a missing one as an I/O error", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "cgroupkit-devices-"));
    try {
      writeFileSync(join(dir, "p.json"), JSON.stringify(devicePreset("libvirt-lxc")));
      expect(DevicePolicy.fromJsonFile(join(dir, "p.json")).equals(devicePreset("libvirt-lxc"))).toBe(true);
      expect(thrown(() => DevicePolicy.fromJsonFile(join(dir, "missing.json")))).toMatchObject({ code: "ENOENT" });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("presets", () => {
  it("libvirt-lxc is exactly deny-all plus null, zero, full, console, random, urandom", () => {
    const p = devicePreset("libvirt-lxc");
    expect(p.defaultAllow).toBe(false);
    expect(p.toDevicesList()).toBe("c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 5:1 rwm\nc 1:8 rwm\nc 1:9 rwm\n");
    expect(p.allows("c", 1, 11, "r")).toBe(false); // kmsg
    expect(p.allows("b", 7, 0, "r")).toBe(false); // loop0
    expect(p.allows("b", 7, 0, "m")).toBe(false);
  });

  it("container is runc's default set without the console", () => {
    const p = devicePreset("container");
    expect(p.defaultAllow).toBe(false);
    for (const [maj, min] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2], [136, 0], [136, 99]] as const) {
      expect(p.allows("c", maj, min, "rwm"), `c ${maj}:${min}`).toBe(true);
    }
    expect(p.allows("c", 5, 1, "r")).toBe(false);
    expect(p.allows("c", 5, 1, "m")).toBe(true); // mknod of any char device
    expect(p.allows("b", 8, 0, "m")).toBe(true);
    expect(p.allows("b", 8, 0, "r")).toBe(false);
    expect(p.allows("c", 10, 200, "rw")).toBe(false); // runc's tun compatibility entry is not part of the preset
    expect(p.exceptions).toHaveLength(10);
  });

  it("refuses an unknown preset", () => {
    expect(thrown(() => devicePreset("docker" as "container"))).toBeInstanceOf(InvalidValueError);
    expect(thrown(() => devicePreset("toString" as "container"))).toBeInstanceOf(InvalidValueError);
  });
});
