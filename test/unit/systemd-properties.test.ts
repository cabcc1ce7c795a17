// The ResourceLimits → unit property table, systemd's rounding, and -p NAME=VALUE parsing.
import { describe, expect, it } from "vitest";
import { InvalidValueError } from "../../src/runtime/errors.js";
import { parsePropertyAssignment } from "../../src/systemd/assignments.js";
import { cpuListToMask, cpuQuotaPerSecUSec, planSystemdResources, SYSTEMD_INFINITY, SYSTEMD_RESOURCE_TABLE } from "../../src/systemd/properties.js";

const props = (limits: Parameters<typeof planSystemdResources>[0]) => Object.fromEntries(planSystemdResources(limits).properties.map(([n, v]) => [n, v]));

describe("planSystemdResources", () => {
  it("maps every memory limit to its property as u64, max to infinity", () => {
    expect(props({ memory: { max: 64n << 20n, high: "max", low: 1024n, swap: 0n } })).toEqual({
      MemoryMax: { signature: "t", value: 67108864n },
      MemoryHigh: { signature: "t", value: SYSTEMD_INFINITY },
      MemoryLow: { signature: "t", value: 1024n },
      MemorySwapMax: { signature: "t", value: 0n },
    });
  });

  it("cpu: weight as is, shares through the OCI curve, quota per second rounded up to a whole percent with the period", () => {
    expect(props({ cpu: { weight: 250 } })).toEqual({ CPUWeight: { signature: "t", value: 250n } });
    expect(props({ cpu: { shares: 1024n } })).toEqual({ CPUWeight: { signature: "t", value: 100n } });
    expect(props({ cpu: { quota: 50_000n, period: 100_000n } })).toEqual({
      CPUQuotaPerSecUSec: { signature: "t", value: 500_000n },
      CPUQuotaPeriodUSec: { signature: "t", value: 100_000n },
    });
    // 12.345% of a CPU → 13%: systemd keeps CPUQuota=N% in the drop-in and would truncate on daemon-reload.
    expect(cpuQuotaPerSecUSec(12_345n, 100_000n)).toBe(130_000n);
    expect(cpuQuotaPerSecUSec(1_000n, 1_000_000n)).toBe(10_000n);
    expect(cpuQuotaPerSecUSec("max", 100_000n)).toBe(SYSTEMD_INFINITY);
    expect(() => cpuQuotaPerSecUSec(0n, 100_000n)).toThrow(InvalidValueError);
    expect(() => cpuQuotaPerSecUSec(10n, 999n)).toThrow(/1000\.\.1000000/);
  });

  it("cpusets become systemd's byte masks", () => {
    expect(cpuListToMask("0-3,8", "cpu.cpus")).toEqual([0x0f, 0x01]);
    expect(cpuListToMask("9", "cpu.cpus")).toEqual([0x00, 0x02]);
    expect(props({ cpu: { cpus: "1", mems: "0" } })).toEqual({
      AllowedCPUs: { signature: "ay", value: Buffer.from([2]) },
      AllowedMemoryNodes: { signature: "ay", value: Buffer.from([1]) },
    });
    for (const bad of ["", "3-1", "a", "1,,2", "9000"]) expect(() => cpuListToMask(bad, "cpu.cpus")).toThrow(InvalidValueError);
  });

  it("TasksMax: a count or infinity; 0 (which systemd refuses) goes to the leaf's pids.max", () => {
    expect(props({ pids: { max: 20n } })).toEqual({ TasksMax: { signature: "t", value: 20n } });
    expect(props({ pids: { max: "max" } })).toEqual({ TasksMax: { signature: "t", value: SYSTEMD_INFINITY } });
    const zero = planSystemdResources({ pids: { max: 0n } });
    expect(zero.properties).toEqual([]);
    expect(zero.leaf).toEqual({ pids: { max: 0n } });
  });

  it("io weight, blkio weight converted; hugetlb and v1-only memory knobs stay for the leaf", () => {
    expect(props({ io: { weight: 500 } })).toEqual({ IOWeight: { signature: "t", value: 500n } });
    expect(props({ io: { blkioWeight: 500 } }).IOWeight?.value).toBe(4950n);
    const plan = planSystemdResources({ hugetlb: { "2MB": 0n }, memory: { swappiness: 10 } });
    expect(plan.properties).toEqual([]);
    expect(plan.leaf).toEqual({ hugetlb: { "2MB": 0n }, memory: { swappiness: 10 } });
  });

  it("refuses bad values before anything is sent", () => {
    expect(() => planSystemdResources({ memory: { max: -1n } })).toThrow(/memory\.max/);
    expect(() => planSystemdResources({ cpu: { weight: 0 } })).toThrow(/cpu\.weight/);
    expect(() => planSystemdResources({ cpu: { weight: 1, shares: 2n } })).toThrow(/not both/);
    expect(() => planSystemdResources({ io: { weight: 10001 } })).toThrow(/io\.weight/);
  });

  it("every row of the table is exercised by some limit", () => {
    const all = planSystemdResources({
      memory: { max: 1n, high: 1n, low: 1n, swap: 1n, swappiness: 1, oomKillDisable: true },
      cpu: { weight: 1, quota: 1000n, period: 100_000n, cpus: "0", mems: "0" },
      pids: { max: 1n },
      io: { weight: 1 },
      hugetlb: { "2MB": 1n },
    });
    const alt = planSystemdResources({ cpu: { shares: 2n }, io: { blkioWeight: 10 } });
    expect(new Set([...all.rows, ...alt.rows])).toEqual(new Set(SYSTEMD_RESOURCE_TABLE.map((r) => r.limit)));
  });
});

describe("parsePropertyAssignment (-p)", () => {
  it("reads sizes, counts, booleans, percentages, times, masks and device pairs as systemd-run does", () => {
    expect(parsePropertyAssignment("MemoryMax=64M")).toEqual(["MemoryMax", { signature: "t", value: 67108864n }]);
    expect(parsePropertyAssignment("MemoryHigh=infinity")).toEqual(["MemoryHigh", { signature: "t", value: SYSTEMD_INFINITY }]);
    expect(parsePropertyAssignment("TasksMax=20")).toEqual(["TasksMax", { signature: "t", value: 20n }]);
    expect(parsePropertyAssignment("CPUQuota=150%")).toEqual(["CPUQuotaPerSecUSec", { signature: "t", value: 1_500_000n }]);
    expect(parsePropertyAssignment("RuntimeMaxSec=1min 30s")).toEqual(["RuntimeMaxUSec", { signature: "t", value: 90_000_000n }]);
    expect(parsePropertyAssignment("Delegate=no")).toEqual(["Delegate", { signature: "b", value: false }]);
    expect(parsePropertyAssignment("IOReadBandwidthMax=/dev/vda 1M")).toEqual(["IOReadBandwidthMax", { signature: "a(st)", value: [["/dev/vda", 1048576n]] }]);
    expect(parsePropertyAssignment("DeviceAllow=/dev/null rw")).toEqual(["DeviceAllow", { signature: "a(ss)", value: [["/dev/null", "rw"]] }]);
    expect(parsePropertyAssignment("AllowedCPUs=0-1")).toEqual(["AllowedCPUs", { signature: "ay", value: Buffer.from([3]) }]);
  });

  it("refuses an unknown name, a missing '=' and bad values, naming them", () => {
    expect(() => parsePropertyAssignment("Frobnicate=1")).toThrow(/--property.*Frobnicate=1.*MemoryMax/);
    expect(() => parsePropertyAssignment("MemoryMax")).toThrow(InvalidValueError);
    expect(() => parsePropertyAssignment("TasksMax=0")).toThrow(/TasksMax/);
    expect(() => parsePropertyAssignment("MemoryMax=50%")).toThrow(/percentages/);
    expect(() => parsePropertyAssignment("CPUWeight=10001")).toThrow(/1\.\.10000/);
    expect(() => parsePropertyAssignment("Delegate=maybe")).toThrow(/boolean/);
    expect(() => parsePropertyAssignment("RuntimeMaxSec=soon")).toThrow(/time span/);
  });
});
