// Rootless on systemd, against a fake user manager over a temp cgroup2 tree: which controllers a request
// needs, the refusal with the user@.service drop-in, the device-policy refusal, and where the scope lands.
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { devicePreset } from "../../src/devices/presets.js";
import { DevicePolicyPrivilegeError } from "../../src/devices/privilege.js";
import { CliError, type CliContext } from "../../src/cli/context.js";
import { decideDevicePolicy } from "../../src/cli/commands/run-placement.js";
import { runRequest, runVerb, summaryLine } from "../../src/cli/commands/run.js";
import { parseArgs } from "../../src/cli/args.js";
import { parsePropertyAssignment } from "../../src/systemd/assignments.js";
import { PAYLOAD_LEAF } from "../../src/systemd/scope.js";
import { checkUserDelegation, controllersNeeded, readUserDelegation, startUserScope, userDelegateDropIn, UserDelegationError, USER_DELEGATE_DROP_IN } from "../../src/systemd/user.js";
import { FakeSystemd, FakeTreeFs } from "../support/fake-systemd.js";

const MANAGER_CG = "/user.slice/user-1000.slice/user@1000.service";
const UNIT = "cgroupkit-run-user.scope";

/** A tree where systemd's default user@.service delegation (cpu memory pids) reaches the user's manager. */
class UserTree extends FakeTreeFs {
  /** What /proc/self/status says: an unprivileged uid 1000 unless told otherwise. */
  capEff = "0000000000000000";
  async setUp(controllers = "cpu memory pids"): Promise<void> {
    await this.mkdir(`${this.root}/user.slice`);
    await this.mkdir(`${this.root}/user.slice/user-1000.slice`);
    await this.mkdir(`${this.root}${MANAGER_CG}`);
    fs.writeFileSync(`${this.root}${MANAGER_CG}/cgroup.controllers`, `${controllers}\n`);
  }
  override async readFile(p: string): Promise<string> {
    if (p === "/proc/self/status") return `Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t${this.capEff}\n`;
    if (p === "/proc/self/uid_map") return "         0          0 4294967295\n";
    return super.readFile(p);
  }
}

let tree: UserTree;
let systemd: FakeSystemd;
beforeEach(async () => {
  tree = new UserTree();
  await tree.setUp();
  systemd = new FakeSystemd(tree, MANAGER_CG);
});
afterEach(() => tree.dispose());

const starts = () => systemd.calls.filter((c) => c.method === "StartTransientUnit");

describe("controllersNeeded", () => {
  it("maps limits and -p properties onto the controllers that enforce them", () => {
    const needed = controllersNeeded({ memory: { max: 1n << 26n, swap: 0n }, cpu: { quota: 50_000n, period: 100_000n, cpus: "0" }, pids: { max: 10n } }, [parsePropertyAssignment("IOWeight=100"), parsePropertyAssignment("Description=x"), parsePropertyAssignment("AllowedMemoryNodes=0")]);
    expect(Object.fromEntries(needed)).toEqual({
      memory: ["memory.max", "memory.swap"],
      cpu: ["cpu.quota", "cpu.period"],
      cpuset: ["cpu.cpus", "AllowedMemoryNodes"],
      pids: ["pids.max"],
      io: ["IOWeight"],
    });
    expect(controllersNeeded({}).size).toBe(0);
  });
});

describe("checkUserDelegation", () => {
  it("passes when every needed controller reaches the manager", () => {
    expect(() => checkUserDelegation(controllersNeeded({ memory: { max: 1n } }), ["cpu", "memory", "pids"], "/x/cgroup.controllers")).not.toThrow();
  });

  it("refuses a missing controller with the exact drop-in, naming the file, what it read and what asked", () => {
    const err = (() => {
      try {
        checkUserDelegation(controllersNeeded({ io: { weight: 100 }, memory: { max: 1n } }), ["cpu", "memory", "pids"], "/sys/fs/cgroup/u/cgroup.controllers");
      } catch (e) {
        return e;
      }
    })() as UserDelegationError;
    expect(err).toBeInstanceOf(UserDelegationError);
    expect(err.code).toBe("ERR_USER_DELEGATION");
    expect(err.missing).toEqual(["io"]);
    expect(err.dropIn).toEqual({ path: "/etc/systemd/system/user@.service.d/delegate.conf", text: "[Service]\nDelegate=cpu cpuset io memory pids\n" });
    expect(err.message).toContain("io.weight needs the io controller");
    expect(err.message).toContain("/sys/fs/cgroup/u/cgroup.controllers lists cpu memory pids");
    expect(err.message).toContain(`printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > ${USER_DELEGATE_DROP_IN}`);
    expect(err.message).not.toContain("\n");
  });

  it("a controller beyond the default list goes into the drop-in too", () => {
    expect(userDelegateDropIn(["hugetlb"])).toBe("[Service]\nDelegate=cpu cpuset io memory pids hugetlb\n");
    expect(() => checkUserDelegation(controllersNeeded({ hugetlb: { "2MB": 0n } }), ["cpu", "memory", "pids"], "f")).toThrow(/Delegate=cpu cpuset io memory pids hugetlb/);
  });
});

describe("startUserScope", () => {
  it("reads the manager's ControlGroup, lands under app.slice there, and writes only inside the scope", async () => {
    const delegation = await readUserDelegation(systemd, { layout: tree.layout(), fs: tree });
    expect(delegation).toEqual({ controlGroup: MANAGER_CG, dir: `${tree.root}${MANAGER_CG}`, controllers: ["cpu", "memory", "pids"] });
    const scope = await startUserScope(systemd, { unit: UNIT, pids: [4242], limits: { memory: { max: 64n << 20n } }, jobTimeoutMs: 200 }, { layout: tree.layout(), fs: tree });
    const sent = Object.fromEntries(starts()[0]!.properties!.map(([n, v]) => [n, v.value]));
    expect(sent).toMatchObject({ Slice: "app.slice", Delegate: true, MemoryMax: 64n << 20n });
    expect(scope.controlGroup).toBe(`${MANAGER_CG}/app.slice/${UNIT}`);
    expect(fs.readFileSync(`${scope.dir}/${PAYLOAD_LEAF}/cgroup.procs`, "utf8")).toBe("4242");
    expect(fs.readFileSync(`${scope.dir}/cgroup.subtree_control`, "utf8")).toBe("+cpu +memory +pids");
    expect(scope.fs.log.every((e) => e.path.startsWith(`${scope.dir}/`))).toBe(true);
    await scope.stop();
    expect(fs.existsSync(scope.dir)).toBe(false);
  });

  it("a limit whose controller is not delegated: UserDelegationError before any StartTransientUnit", async () => {
    const err = await startUserScope(systemd, { unit: UNIT, pids: [4242], limits: { cpu: { cpus: "0" } } }, { layout: tree.layout(), fs: tree }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserDelegationError);
    expect((err as UserDelegationError).missing).toEqual(["cpuset"]);
    expect(starts()).toHaveLength(0);
  });

  it("once the drop-in delegates cpuset, the same request starts", async () => {
    fs.writeFileSync(`${tree.root}${MANAGER_CG}/cgroup.controllers`, "cpuset cpu io memory pids\n");
    const scope = await startUserScope(systemd, { unit: UNIT, pids: [4242], limits: { cpu: { cpus: "0" } }, jobTimeoutMs: 200 }, { layout: tree.layout(), fs: tree });
    expect(starts()).toHaveLength(1);
    await scope.stop();
  });

  it("a device policy without privilege: DevicePolicyPrivilegeError before anything; -p DeviceAllow too", async () => {
    const devices = devicePreset("libvirt-lxc");
    const err = await startUserScope(systemd, { unit: UNIT, pids: [4242], devices }, { layout: tree.layout(), fs: tree }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevicePolicyPrivilegeError);
    expect((err as Error).message).toMatch(/cannot be enforced without privilege: .*uid 1000 has neither; refused rather than run without it/);
    const err2 = await startUserScope(systemd, { unit: UNIT, pids: [4242], properties: [parsePropertyAssignment("DeviceAllow=/dev/null rw")] }, { layout: tree.layout(), fs: tree }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(DevicePolicyPrivilegeError);
    expect(systemd.calls).toHaveLength(0);
  });
});

describe("run --user options", () => {
  const syntax = runVerb.syntax;
  const request = (...argv: string[]) => runRequest(parseArgs([...argv, "--", "true"], syntax, "run"), {});
  const ctx = () => ({ fs: tree }) as unknown as CliContext;

  it("parses --user and --allow-no-device-policy", () => {
    expect(request("--user", "--allow-no-device-policy")).toMatchObject({ user: true, allowNoDevicePolicy: true });
    expect(request()).toMatchObject({ user: false, allowNoDevicePolicy: false });
  });

  it("a device policy this caller cannot enforce: refused by default, naming the way out", async () => {
    const err = await decideDevicePolicy(ctx(), tree.layout(), request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/^device policy \(preset libvirt-lxc\): the device policy cannot be enforced without privilege: .*--allow-no-device-policy/);
  });

  it("--allow-no-device-policy: runs without it, and the summary says it is NOT enforced", async () => {
    const decision = await decideDevicePolicy(ctx(), tree.layout(), request("--allow-no-device-policy"));
    expect(decision.policy).toBeUndefined();
    expect(decision.notEnforced).toMatch(/^device policy preset libvirt-lxc NOT enforced: the device policy cannot be enforced without privilege/);
    const line = summaryLine({ group: "u.scope", status: 0, signal: null, wallMs: 10, oomKilled: false, kept: false, confined: true, devicesNotEnforced: decision.notEnforced! });
    expect(line).toMatch(/^cgroupkit run: u\.scope exited 0: wall 0\.010 s; device policy preset libvirt-lxc NOT enforced: /);
  });

  it("privileged: the policy is enforced; --devices none is refused, naming allow-all", async () => {
    tree.capEff = "000001ffffffffff";
    expect((await decideDevicePolicy(ctx(), tree.layout(), request())).policy).toBeDefined();
    expect(() => request("--devices", "none")).toThrow(/allow-all/);
  });
});
