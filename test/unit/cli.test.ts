// The CLI's pure layers: argument parsing, text → codec values for every writable spec file,
// run's option conversions, the device explanation against the evaluator, help and usage errors.
import type { ManifestRecord } from "../../src/runtime/manifest.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { V1_CONTROLLERS, V2_CONTROLLERS } from "../../generated/index.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { DEVICE_PRESET_NAMES, devicePreset } from "../../src/devices/presets.js";
import { UsageError, parseArgs, type VerbSyntax } from "../../src/cli/args.js";
import { VERBS, describeFailure, loadVerb, main } from "../../src/cli/cli.js";
import { explainDecision } from "../../src/cli/commands/devices.js";
import { runRequest, runVerb, summaryLine } from "../../src/cli/commands/run.js";
import { accessOfMode } from "../../src/cli/commands/spec-scan.js";
import { loadManifest, matchFileName, writeCodecOf } from "../../src/cli/control-files.js";
import { humanBytes, renderValue, toJson } from "../../src/cli/output.js";
import { canConvert, convertValue, parseSize } from "../../src/cli/values.js";
import { CgroupBusyError } from "../../src/cgroup/cgroup.js";
import { CgroupIoError, InvalidValueError, ParseError, UnsupportedError } from "../../src/runtime/errors.js";
import { nodeCgroupFs, type CgroupDirEntry, type CgroupFs, type CgroupStat } from "../../src/runtime/fs.js";

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

describe("parseArgs", () => {
  const syntax: VerbSyntax = {
    options: [
      { name: "memory", takes: "value", help: "" },
      { name: "recursive", short: "r", takes: "flag", help: "" },
      { name: "tag", takes: "value", repeat: true, help: "" },
    ],
    positionals: { min: 1, max: 2 },
  };

  it("reads long options with and without =, short flags, and positionals in any order", () => {
    const args = parseArgs(["--memory=64M", "g1", "-r", "--tag", "a", "--tag=b", "g2"], syntax, "x");
    expect(args.values.get("memory")).toEqual(["64M"]);
    expect(args.values.get("tag")).toEqual(["a", "b"]);
    expect(args.flags.has("recursive")).toBe(true);
    expect(args.positionals).toEqual(["g1", "g2"]);
  });

  it("keeps everything after -- as positionals, even option-like words", () => {
    expect(parseArgs(["g", "--", "--memory"], { ...syntax, positionals: { min: 1, max: 2 } }, "x").positionals).toEqual(["g", "--memory"]);
  });

  it("refuses unknown options (with a suggestion), missing values, flags with values and wrong counts", () => {
    expect(() => parseArgs(["--memroy", "1", "g"], syntax, "x")).toThrow(/unknown option --memroy \(did you mean --memory\?\)/);
    expect(() => parseArgs(["g", "--memory"], syntax, "x")).toThrow(/needs a value/);
    expect(() => parseArgs(["g", "--recursive=yes"], syntax, "x")).toThrow(/takes no value/);
    expect(() => parseArgs([], syntax, "x")).toThrow(/missing argument/);
    expect(() => parseArgs(["a", "b", "c"], syntax, "x")).toThrow(/unexpected argument "c"/);
    expect(() => parseArgs(["-memory", "g"], syntax, "x")).toThrow(UsageError);
  });

  it("splits a trailing command off at the first positional past the verb's own, or at --", () => {
    const run: VerbSyntax = { options: syntax.options, commandAfter: 0, positionals: { min: 0, max: 0 } };
    expect(parseArgs(["--memory", "1M", "sh", "-c", "echo --memory"], run, "run").command).toEqual(["sh", "-c", "echo --memory"]);
    expect(parseArgs(["--memory", "1M", "--", "-weird", "x"], run, "run").command).toEqual(["-weird", "x"]);
    const exec: VerbSyntax = { options: [], commandAfter: 1, positionals: { min: 1, max: 1 } };
    const parsed = parseArgs(["grp", "ls", "-l"], exec, "exec");
    expect(parsed.positionals).toEqual(["grp"]);
    expect(parsed.command).toEqual(["ls", "-l"]);
    expect(() => parseArgs(["--memory", "1M"], run, "run")).toThrow(/missing command/);
  });
});

describe("text → codec values", () => {
  it("reads sizes with binary suffixes", () => {
    expect(parseSize("64M")).toBe(64n << 20n);
    expect(parseSize("64MiB")).toBe(64n << 20n);
    expect(parseSize("1g")).toBe(1n << 30n);
    expect(parseSize("512K")).toBe(512n * 1024n);
    expect(parseSize("100")).toBe(100n);
    expect(parseSize("100B")).toBe(100n);
    for (const bad of ["", "M", "1.5G", "64X", "64 M", "0x10", "64iB"]) expect(parseSize(bad)).toBeUndefined();
  });

  /** Accessor of a manifest entry, bound to a directory that is never touched (format does not write). */
  function accessor(entry: ManifestRecord): { format(v: unknown): string } {
    const classes = (entry.version === "v1" ? V1_CONTROLLERS : V2_CONTROLLERS) as unknown as Record<string, new (dir: string, fs: typeof nodeCgroupFs) => Record<string, unknown>>;
    const Class = classes[entry.controller];
    if (!Class) throw new Error(`no class for ${entry.controller}`);
    const instance = new Class("/nonexistent", nodeCgroupFs);
    const member = instance[entry.property];
    return (entry.param ? (member as (p: string) => unknown).call(instance, "2MB") : member) as { format(v: unknown): string };
  }

  // One line of text per codec that some file of that codec takes.
  const SAMPLES: Record<string, string[]> = {
    u64: ["1000", "0", "1"],
    s64: ["1000", "-1"],
    int: ["100", "1", "0", "-1", "10"],
    limit: ["max", "100"],
    v1Bytes: ["64M", "max"],
    bool: ["1", "0"],
    string: ["1M", "x", "member"],
    text: ["x"],
    enum: ["THAWED", "FROZEN", "threaded", "member", "root", "idle", "none-to-rt", "no-change"],
    lines: ["x"],
    rangeList: ["0"],
    deviceRules: ["c 1:3 rwm"],
    pidList: ["1"],
    words: ["x"],
    percentOrMax: ["max", "50"],
    cpuMax: ["max 100000", "50000 100000"],
    flatKeyed: ["key 1", "key max", "key x"],
    nestedKeyed: ["8:0 rbps=max", "8:0 weight=100", "mlx4_0 hca_handle=2"],
    deviceValues: ["8:0 100", "default 100"],
    psi: ["some 150000 1000000"],
    subtreeControl: ["+memory -io"],
  };

  const writable = loadManifest().filter((e) => e.access !== "ro");

  it("has a converter for the write codec of every writable file in the spec", () => {
    expect(writable.length).toBeGreaterThan(50);
    for (const entry of writable) expect({ file: entry.file, ok: canConvert(writeCodecOf(entry)) }).toEqual({ file: entry.file, ok: true });
  });

  it("turns text into a value every writable file's own codec accepts", () => {
    for (const entry of writable) {
      const codec = writeCodecOf(entry);
      const file = accessor(entry);
      const accepted = (SAMPLES[codec] ?? []).filter((text) => {
        try {
          convertValue({ file: entry.file, codec, unit: entry.unit }, text, (v) => file.format(v));
          return true;
        } catch (err) {
          if (!(err instanceof InvalidValueError)) throw err;
          return false;
        }
      });
      expect({ file: entry.file, accepted: accepted.length > 0 }).toEqual({ file: entry.file, accepted: true });
    }
  });

  it("produces exactly the kernel text for typical values", () => {
    const through = (name: string, text: string) => {
      const [match] = matchFileName(name).filter((m) => m.entry.version === (name.includes("limit_in_bytes") || name === "cpu.shares" ? "v1" : "v2"));
      const entry = match!.entry;
      const file = accessor(entry);
      return convertValue({ file: name, codec: writeCodecOf(entry), unit: entry.unit }, text, (v) => file.format(v)).formatted;
    };
    expect(through("memory.max", "64M")).toBe("67108864");
    expect(through("memory.max", "max")).toBe("max");
    expect(through("memory.limit_in_bytes", "max")).toBe("-1");
    expect(through("memory.limit_in_bytes", "1G")).toBe("1073741824");
    expect(through("cpu.max", "50000 100000")).toBe("50000 100000");
    expect(through("cpu.max", "max")).toBe("max");
    expect(through("cpu.weight", "100")).toBe("100");
    expect(through("cpu.shares", "512")).toBe("512");
    expect(through("io.max", "8:0 rbps=1048576 wbps=max")).toBe("8:0 rbps=1048576 wbps=max");
    expect(through("memory.oom.group", "true")).toBe("1");
    expect(through("cgroup.subtree_control", "+memory -io")).toBe("+memory -io");
    expect(through("cpuset.cpus", "0-3,5")).toBe("0-3,5");
  });

  it("refuses bad text with an InvalidValueError naming the file and the text as typed", () => {
    const entry = matchFileName("memory.max").find((m) => m.entry.version === "v2")!.entry;
    const file = accessor(entry);
    const attempt = (text: string) => () => convertValue({ file: "memory.max", codec: entry.codec, unit: entry.unit }, text, (v) => file.format(v));
    expect(attempt("64X")).toThrow(/^memory\.max: invalid value "64X": expected "max" or a byte count/);
    expect(attempt("-5")).toThrow(/^memory\.max: invalid value "-5": must not be negative/);
    const weight = matchFileName("cpu.weight").find((m) => m.entry.version === "v2")!.entry;
    const weightFile = accessor(weight);
    expect(() => convertValue({ file: "cpu.weight", codec: weight.codec }, "0", (v) => weightFile.format(v))).toThrow(/cpu\.weight: invalid value "0": must be at least 1/);
    expect(() => convertValue({ file: "memory.stat", codec: "flatKeyed" }, "x", () => "")).toThrow(InvalidValueError);
    expect(() => convertValue({ file: "io.stat", codec: "blkioStat" }, "x", () => "")).toThrow(/read-only format/);
  });

  it("matches templated names against the spec's parameter pattern", () => {
    expect(matchFileName("hugetlb.2MB.max").map((m) => [m.entry.version, m.entry.file, m.param])).toEqual([["v2", "hugetlb.<size>.max", "2MB"]]);
    expect(matchFileName("hugetlb.2XB.max")).toEqual([]);
    expect(matchFileName("memory.nonexistent")).toEqual([]);
  });
});

describe("run's options", () => {
  const parsed = (...argv: string[]) => runRequest(parseArgs([...argv, "--", "true"], runVerb.syntax, "run"), {});

  it("converts sizes, the OCI memory+swap total, CPU percentages and counts", () => {
    const r = parsed("--memory", "64M", "--memory-swap", "96M", "--cpu-quota", "50%", "--cpu-weight", "200", "--pids", "10", "--devices", "container", "--parent", "p", "--name", "n");
    expect(r.group).toBe("p/n");
    expect(r.limits).toEqual({ memory: { max: 64n << 20n, swap: 32n << 20n }, cpu: { weight: 200, quota: 50000n, period: 100000n }, pids: { max: 10n } });
    expect(r.devices?.policy.equals(devicePreset("container"))).toBe(true);
    expect(parsed("--cpu-quota", "150%").limits.cpu).toEqual({ quota: 150000n, period: 100000n });
    expect(parsed("--memory", "max", "--memory-swap", "max").limits.memory).toEqual({ max: "max", swap: "max" });
    expect(() => parsed("--devices", "none")).toThrow(/"none" is ambiguous: type allow-all to allow every device/);
    expect(parsed("--devices", "allow-all").devices?.policy.equals(DevicePolicy.allowAll())).toBe(true);
    expect(parsed().devices?.policy.equals(devicePreset("libvirt-lxc"))).toBe(true);
    expect(parsed().group).toMatch(/^cgroupkit-run-[0-9a-f]{8}$/);
  });

  it("takes the parent from CGROUPKIT_PARENT when --parent is absent", () => {
    const syntax = runVerb.syntax;
    expect(runRequest(parseArgs(["--name", "x", "--", "true"], syntax, "run"), { CGROUPKIT_PARENT: "cgroupkit-test-a" }).group).toBe("cgroupkit-test-a/x");
    expect(runRequest(parseArgs(["--parent", "b", "--name", "x", "--", "true"], syntax, "run"), { CGROUPKIT_PARENT: "a" }).group).toBe("b/x");
  });

  it("refuses bad option values before anything happens", () => {
    expect(() => parsed("--memory", "lots")).toThrow(UsageError);
    expect(() => parsed("--memory-swap", "32M")).toThrow(/needs a --memory limit/);
    expect(() => parsed("--memory", "64M", "--memory-swap", "32M")).toThrow(/below --memory/);
    expect(() => parsed("--cpu-weight", "1", "--cpu-shares", "2")).toThrow(/not both/);
    expect(() => parsed("--cpu-weight", "0")).toThrow(/1\.\.10000/);
    expect(() => parsed("--cpu-quota", "50")).toThrow(/percentage/);
    expect(() => parsed("--cpu-quota", "0.5%")).toThrow(/at least 1%/);
    expect(() => parsed("--pids", "-1")).toThrow(UsageError);
    expect(() => parsed("--devices", "no-such-preset")).toThrow(/neither a preset/);
    expect(() => parsed("--name", "../x")).toThrow(/invalid cgroup name/);
    expect(() => parsed("--parent", "a/../b")).toThrow(/invalid cgroup name/);
  });

  it("summarises an OOM kill as such", () => {
    const line = summaryLine({ group: "g", status: 137, signal: "SIGKILL", wallMs: 1200, oomKilled: true, kept: false, confined: true, memory: { peak: 33554432n, max: 33554432n, oomKills: 1n }, pids: { peak: 1n, max: "max" } });
    expect(line).toBe("cgroupkit run: g killed by SIGKILL (the OOM killer): wall 1.200 s, peak memory 32.0 MiB of 32.0 MiB, OOM kills 1, pids peak 1");
  });

  it("says the boundary is open when the run was not confined", () => {
    const line = summaryLine({ group: "g", status: 0, signal: null, wallMs: 10, oomKilled: false, kept: false, confined: false });
    expect(line).toBe("cgroupkit run: g exited 0: wall 0.010 s; boundary open (--no-confine): root inside could leave the group or widen its devices");
    expect(runRequest(parseArgs(["--no-confine", "--", "true"], runVerb.syntax, "run"), {}).confine).toBe(false);
    expect(runRequest(parseArgs(["--", "true"], runVerb.syntax, "run"), {}).confine).toBe(true);
  });
});

describe("devices check explanations", () => {
  const requests = fc.record({
    type: fc.constantFrom("b" as const, "c" as const),
    major: fc.oneof(fc.constant("*" as const), fc.constantFrom(1, 5, 8, 136, 10), fc.integer({ min: 0, max: 300 })),
    minor: fc.oneof(fc.constant("*" as const), fc.constantFrom(0, 1, 2, 3, 5, 7, 8, 9), fc.integer({ min: 0, max: 300 })),
    access: fc.constantFrom("r", "w", "m", "rw", "rm", "wm", "rwm"),
  });
  const policies = [
    ...DEVICE_PRESET_NAMES.map((n) => devicePreset(n)),
    DevicePolicy.fromState(true, ["c 1:3 w", "b *:* m", "c 136:* rw"]),
    DevicePolicy.fromState(false, ["c 1:* r", "c *:3 w"]),
  ];

  it("always agrees with the evaluator and names a rule of the policy when one decides", () => {
    fc.assert(
      fc.property(fc.constantFrom(...policies), requests, (policy, r) => {
        const { allowed, reason } = explainDecision(policy, r.type, r.major, r.minor, r.access);
        expect(allowed).toBe(policy.allows(r.type, r.major, r.minor, r.access));
        const named = policy.exceptions.some((e) => reason.includes(`${e.type} ${e.major}:${e.minor} ${e.access}`));
        if (allowed !== policy.defaultAllow) expect(named).toBe(true); // an exception decided
      }),
    );
  });

  it("words the Quick-start's two devices", () => {
    expect(explainDecision(devicePreset("libvirt-lxc"), "c", 1, 5, "r")).toEqual({ allowed: true, reason: "the allow list has c 1:5 rwm, which grants read on c 1:5" });
    expect(explainDecision(devicePreset("libvirt-lxc"), "c", 5, 0, "r")).toEqual({ allowed: false, reason: "default deny, and no rule of the allow list names c 5:0" });
  });
});

describe("output", () => {
  it("writes bigints above 2^53 as exact JSON numbers", () => {
    expect(toJson({ a: 18446744073709551615n, b: [1n, "max"], c: undefined }, 0)).toBe('{"a":18446744073709551615,"b":[1,"max"]}');
  });

  it("renders values close to the kernel's text", () => {
    expect(renderValue([0, 1, 2, 3, 5], "rangeList")).toBe("0-3,5");
    expect(renderValue({ quota: "max", period: 100000n }, "cpuMax")).toBe("max 100000");
    expect(renderValue({ anon: 1n, file: 2n }, "flatKeyed")).toBe("anon 1\nfile 2");
    expect(renderValue({ "8:0": { rbps: "max", wbps: 5n } }, "nestedKeyed")).toBe("8:0 rbps=max wbps=5");
    expect(renderValue([{ type: "c", major: 1, minor: 3, access: "rwm" }], "deviceRules")).toBe("c 1:3 rwm");
    expect(humanBytes(67108864n)).toBe("64.0 MiB");
  });

  it("reads access from the owner's mode bits as cgroupfs sets them", () => {
    expect([0o644, 0o444, 0o200, 0o000].map(accessOfMode)).toEqual(["rw", "ro", "wo", "none"]);
  });
});

describe("main: help, usage errors and error lines", () => {
  it("prints help with examples for every verb, exit 0", async () => {
    for (const verb of await Promise.all(VERBS.map(loadVerb))) {
      const { status, stdout, stderr } = await cli(...verb.name.split(" "), "--help");
      expect({ verb: verb.name, status, stderr }).toEqual({ verb: verb.name, status: 0, stderr: "" });
      expect(stdout).toContain(`cgroupkit ${verb.usage[0]}`);
      expect(stdout).toMatch(/Examples:\n {2}# .+\n {2}cgroupkit /);
      expect(stdout).toContain("--json");
    }
  });

  it("lists every verb in the main help; no verb is a usage error (2)", async () => {
    const { status, stdout } = await cli();
    expect(status).toBe(2);
    for (const verb of VERBS) expect(stdout).toContain(`  ${verb.name} `);
    expect((await cli("--help")).status).toBe(0);
  });

  it("reports usage errors as one line with exit 2 and a pointer to --help", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["frobnicate"], /^cgroupkit: unknown verb "frobnicate" \(see cgroupkit --help\)\n$/],
      [["gte", "x"], /did you mean get\?/],
      [["devices", "frob"], /^cgroupkit: unknown devices verb "frob": expected one of show, apply, check/],
      [["get"], /^cgroupkit get: missing group: type cgroupkit get GROUP \[FILE…\] \(or -g CONTROLLERS:PATH\) \(see cgroupkit get --help\)\n$/],
      [["run", "--memory", "64M"], /^cgroupkit run: missing command/],
      [["run", "--memroy", "64M", "--", "true"], /did you mean --memory\?/],
      [["set", "g", "memory.max"], /expected FILE=VALUE/],
      [["set", "g", "memory.nonsense=1"], /^cgroupkit set: unknown control file "memory.nonsense": not in the spec/],
      [["get", "a/../b", "memory.max"], /^cgroupkit get: invalid cgroup name "a\/..\/b": path component ".." is not allowed\n$/],
      [["devices", "check", "libvirt-lxc", "x", "1:3", "r"], /expected b \(block\) or c \(char\)/],
      [["devices", "check", "libvirt-lxc", "c", "1-3", "r"], /expected MAJOR:MINOR/],
      [["devices", "check", "libvirt-lxc", "c", "1:3", "rr"], /access "rr"/],
      [["classify", "g", "12x"], /"12x" is not a pid/],
    ];
    for (const [argv, pattern] of cases) {
      const { status, stdout, stderr } = await cli(...argv);
      expect({ argv, status, stdout }).toEqual({ argv, status: 2, stdout: "" });
      expect(stderr).toMatch(pattern);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  it("answers devices check from the evaluator, in text and JSON", async () => {
    expect(await cli("devices", "check", "libvirt-lxc", "c", "1:5", "r")).toEqual({ status: 0, stdout: "allowed: the allow list has c 1:5 rwm, which grants read on c 1:5\n", stderr: "" });
    const json = JSON.parse((await cli("devices", "check", "--json", "container", "c", "136:*", "m")).stdout);
    expect(json).toMatchObject({ allowed: true, policy: "preset container" });
    expect((await cli("devices", "check", "container", "b", "8:0", "r")).stdout).toMatch(/^denied: default deny; the allow list names b 8:0 only as b \*:\* m/);
  });

  it("never shows a stack for an unexpected error unless asked", () => {
    const { message, exitCode } = describeFailure(new TypeError("x is undefined"), "get");
    expect(exitCode).toBe(1);
    expect(message).toBe("cgroupkit get: internal error: x is undefined (CGROUPKIT_DEBUG=1 shows the stack)");
    expect(describeFailure(new CgroupIoError("write", "/sys/fs/cgroup/x/memory.max", "EBUSY", "1"), "set")).toEqual({
      message: 'cgroupkit set: write /sys/fs/cgroup/x/memory.max value "1": EBUSY (in use: live processes, children, or an internal-process conflict)',
      exitCode: 1,
    });
  });

  it("reports every typed runtime error as its own message, one line, exit 1", () => {
    const cases: Array<[Error, string]> = [
      [new CgroupBusyError("remove", "web", "/sys/fs/cgroup/memory/web", [12, 34]), "cgroupkit delete: remove web (/sys/fs/cgroup/memory/web): EBUSY: live processes 12 34"],
      [new ParseError("/sys/fs/cgroup/pids/web/pids.max", "x\n", "not a number"), 'cgroupkit delete: /sys/fs/cgroup/pids/web/pids.max: cannot parse "x\\n": not a number'],
      [new UnsupportedError("controller \"rdma\" is not available on this host"), 'cgroupkit delete: controller "rdma" is not available on this host'],
    ];
    for (const [err, message] of cases) expect(describeFailure(err, "delete")).toEqual({ message, exitCode: 1 });
  });
});

/** An in-memory cgroup2 host: /proc files, a root group, and new groups that show a fixed set of files. */
class FakeCgroupFs implements CgroupFs {
  readonly files = new Map<string, { text: string; mode: number }>();
  readonly dirs = new Set<string>();
  constructor(
    rootFiles: Record<string, [string, number]>,
    private readonly childFiles: Record<string, [string, number]>,
  ) {
    this.files.set("/proc/self/mountinfo", { text: "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n", mode: 0o444 });
    this.files.set("/proc/self/cgroup", { text: "0::/\n", mode: 0o444 });
    this.dirs.add("/sys/fs/cgroup");
    for (const [name, [text, mode]] of Object.entries(rootFiles)) this.files.set(`/sys/fs/cgroup/${name}`, { text, mode });
  }
  private missing(op: string, path: string): never {
    throw new CgroupIoError(op, path, "ENOENT");
  }
  async readFile(path: string): Promise<string> {
    return this.files.get(path)?.text ?? this.missing("read", path);
  }
  readFileSync(path: string): string {
    return this.files.get(path)?.text ?? this.missing("read", path);
  }
  async writeFile(path: string, data: string): Promise<void> {
    const file = this.files.get(path) ?? this.missing("write", path);
    if (!path.endsWith("cgroup.kill")) file.text = `${data}\n`;
  }
  writeFileSync(path: string, data: string): void {
    void this.writeFile(path, data);
  }
  async mkdir(path: string): Promise<void> {
    if (this.dirs.has(path)) throw new CgroupIoError("mkdir", path, "EEXIST");
    this.dirs.add(path);
    for (const [name, [text, mode]] of Object.entries(this.childFiles)) this.files.set(`${path}/${name}`, { text, mode });
  }
  async rmdir(path: string): Promise<void> {
    this.dirs.delete(path);
    for (const p of [...this.files.keys()]) if (p.startsWith(`${path}/`)) this.files.delete(p);
  }
  async readdir(path: string): Promise<CgroupDirEntry[]> {
    if (!this.dirs.has(path)) this.missing("readdir", path);
    const direct = (p: string) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes("/");
    return [...[...this.dirs].filter(direct).map((p) => ({ name: p.slice(path.length + 1), isDirectory: true })), ...[...this.files.keys()].filter(direct).map((p) => ({ name: p.slice(path.length + 1), isDirectory: false }))];
  }
  async stat(path: string): Promise<CgroupStat | undefined> {
    if (this.dirs.has(path)) return { isDirectory: true, isSymbolicLink: false, mode: 0o755, uid: 0, gid: 0 };
    const file = this.files.get(path);
    return file && { isDirectory: false, isSymbolicLink: false, mode: file.mode, uid: 0, gid: 0 };
  }
  async chown(): Promise<void> {}
}

describe("spec scan on a fake cgroup2 host", () => {
  it("reports files the spec lacks, access that differs, and root/non-root placement that contradicts the spec; the probe is removed", async () => {
    const fake = new FakeCgroupFs(
      {
        "cgroup.controllers": ["memory\n", 0o444],
        "cgroup.subtree_control": ["memory\n", 0o644],
        "cgroup.procs": ["1\n", 0o644],
        "cgroup.max.depth": ["max\n", 0o444], // the spec says rw
        "cgroup.frobnicate": ["0\n", 0o644], // unknown
        "memory.max": ["max\n", 0o644], // the spec says non-root only
      },
      {
        "cgroup.controllers": ["memory\n", 0o444],
        "cgroup.subtree_control": ["\n", 0o644],
        "cgroup.procs": ["", 0o644],
        "cgroup.kill": ["", 0o200],
        "cgroup.max.depth": ["max\n", 0o444],
        "memory.max": ["max\n", 0o644],
        "memory.brandnew": ["0\n", 0o644], // unknown, below the root only
        "misc.capacity": ["\n", 0o444], // the spec says root only
      },
    );
    let stdout = "";
    const status = await main(["spec", "scan", "--json", "--parent", "cgroupkit-test-fake"], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t) }, fake);
    expect(status).toBe(0);
    const scan = JSON.parse(stdout);
    expect(scan.layout).toBe("v2");
    const brief = (list: Array<{ file: string; kernel: { access: string; where: string }; spec?: { access: string; where: string } }>) =>
      list.map((f) => `${f.file} ${f.kernel.access} ${f.kernel.where}${f.spec ? ` / spec ${f.spec.access} ${f.spec.where}` : ""}`);
    expect(brief(scan.missing)).toEqual(["cgroup.frobnicate rw root", "memory.brandnew rw non-root"]);
    expect(brief(scan.accessDiffers)).toEqual(["cgroup.max.depth ro all / spec rw all"]);
    expect(brief(scan.whereDiffers)).toEqual(["memory.max rw all / spec rw non-root", "misc.capacity ro non-root / spec ro root"]);
    expect([...fake.dirs].filter((d) => d.includes("cgroupkit-scan-"))).toEqual([]);
  });
});
