import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blkioWeightToIoWeight,
  cpuSharesToWeightLegacyLinear,
  cpuSharesToWeightLibcgroup,
  cpuSharesToWeightOci,
  cpuSharesToWeightSystemd,
  cpuWeightToShares,
  ioWeightToBlkioWeight,
  ociMemorySwapToSwapMax,
} from "../../src/resources/conversions.js";
import { resourcesFromOci } from "../../src/resources/oci.js";
import { InvalidValueError } from "../../src/runtime/errors.js";

describe("cpu.shares → cpu.weight", () => {
  it("the OCI curve maps min, default and max exactly and keeps 0 as unset", () => {
    expect([0n, 2n, 1024n, 262144n, 1_000_000n].map(cpuSharesToWeightOci)).toEqual([0, 1, 100, 10000, 10000]);
    expect(cpuSharesToWeightOci(512n)).toBe(59);
    expect(cpuSharesToWeightOci(2048n)).toBe(174);
  });

  it("the legacy linear mapping puts the default at 39", () => {
    expect([2n, 1024n, 262144n].map(cpuSharesToWeightLegacyLinear)).toEqual([1, 39, 10000]);
  });

  it("systemd scales by the defaults and clamps; libcgroup's unclamped formula is refused where it leaves 1..10000", () => {
    expect([2n, 1024n, 2048n, 10_000_000n].map(cpuSharesToWeightSystemd)).toEqual([1, 100, 200, 10000]);
    expect([11n, 1024n, 2048n, 102400n].map(cpuSharesToWeightLibcgroup)).toEqual([1, 100, 200, 10000]);
    expect(() => cpuSharesToWeightLibcgroup(2n)).toThrow(/gives cpu\.weight 0, outside 1\.\.10000/);
    expect(() => cpuSharesToWeightLibcgroup(262144n)).toThrow(/gives cpu\.weight 25600, outside 1\.\.10000/);
  });

  it("every curve is monotonic and stays in 1..10000 over the shares range", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n, max: 262143n }), (s) => {
        for (const f of [cpuSharesToWeightOci, cpuSharesToWeightLegacyLinear, cpuSharesToWeightSystemd]) {
          const a = f(s);
          const b = f(s + 1n);
          expect(a).toBeGreaterThanOrEqual(1);
          expect(b).toBeLessThanOrEqual(10000);
          expect(b).toBeGreaterThanOrEqual(a);
        }
      }),
    );
  });

  it("weight → shares round-trips the default and stays within the systemd mapping's step", () => {
    expect(cpuWeightToShares(100)).toBe(1024n);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10000 }), (w) => {
        expect(Math.abs(cpuSharesToWeightSystemd(cpuWeightToShares(w)) - w)).toBeLessThanOrEqual(1);
      }),
    );
    expect(() => cpuWeightToShares(0)).toThrow(InvalidValueError);
    expect(() => cpuWeightToShares(10001)).toThrow(InvalidValueError);
  });
});

describe("blkio.weight ↔ io.weight", () => {
  it("maps the ends and round-trips every blkio weight", () => {
    expect([0, 10, 500, 1000].map(blkioWeightToIoWeight)).toEqual([0, 1, 4950, 10000]);
    for (let w = 10; w <= 1000; w++) expect(ioWeightToBlkioWeight(blkioWeightToIoWeight(w))).toBe(w);
    expect(() => blkioWeightToIoWeight(5)).toThrow(InvalidValueError);
  });
});

describe("OCI memory.swap → memory.swap.max", () => {
  it("follows runc's cases", () => {
    expect(ociMemorySwapToSwapMax(-1n, 0n)).toBe("max");
    expect(ociMemorySwapToSwapMax(0n, 0n)).toBeUndefined();
    expect(ociMemorySwapToSwapMax(1000n, 1000n)).toBe(0n);
    expect(ociMemorySwapToSwapMax(500n, 200n)).toBe(300n);
    expect(() => ociMemorySwapToSwapMax(-2n, 0n)).toThrow(InvalidValueError);
    expect(() => ociMemorySwapToSwapMax(300n, 500n)).toThrow(/>= the memory limit/);
    expect(() => ociMemorySwapToSwapMax(300n, 0n)).toThrow(/needs a memory limit/);
  });
});

describe("resourcesFromOci", () => {
  it("maps a runc-style object", () => {
    const { limits, devices } = resourcesFromOci({
      memory: { limit: 67108864, swap: 134217728, reservation: 33554432 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0-1" },
      pids: { limit: 0 },
      blockIO: { weight: 500 },
      hugepageLimits: [{ pageSize: "2MB", limit: 0 }],
      devices: [{ allow: false, access: "rwm" }],
    });
    expect(limits).toEqual({
      memory: { max: 67108864n, swap: 67108864n, low: 33554432n },
      cpu: { shares: 512n, quota: 50000n, period: 100000n, cpus: "0-1" },
      pids: { max: "max" },
      io: { blkioWeight: 500 },
      hugetlb: { "2MB": 0n },
    });
    expect(devices).toEqual([{ allow: false, access: "rwm" }]);
  });

  it("names the bad field and the value", () => {
    expect(() => resourcesFromOci({ memory: { limit: "64M" } })).toThrow(/linux\.resources\.memory\.limit: invalid value "64M"/);
    expect(() => resourcesFromOci({ cpu: { shares: -5 } })).toThrow(/linux\.resources\.cpu\.shares/);
    expect(() => resourcesFromOci({ memroy: {} })).toThrow(InvalidValueError);
    expect(() => resourcesFromOci({ memory: { limit: 2 ** 60 } })).toThrow(/linux\.resources\.memory\.limit: invalid value 1152921504606847000/);
  });

  it("maps every field of the runtime-spec", () => {
    const { limits } = resourcesFromOci({
      memory: { limit: 1 << 26, swap: 0, kernel: -1, kernelTCP: 1 << 20 },
      cpu: { idle: 1, burst: 500, realtimePeriod: 1000000, realtimeRuntime: 0, quota: 50000 },
      blockIO: {
        weight: 300,
        leafWeight: 0,
        weightDevice: [{ major: 8, minor: 0, weight: 200 }, { major: 8, minor: 16, leafWeight: 0, weight: 0 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
      },
      hugepageLimits: [{ pageSize: "1GB", limit: 1 << 30 }],
      rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
      network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 500 }] },
      unified: { "memory.high": "64M", "io.max": "8:0 rbps=2097152 wiops=120" },
    });
    expect(limits).toEqual({
      // swap 0 beside a limit is unset, as runc reads it.
      memory: { max: 1n << 26n, kernel: "max", kernelTcp: 1n << 20n },
      cpu: { idle: true, burst: 500n, realtimePeriod: 1000000n, quota: 50000n },
      io: { blkioWeight: 300, deviceWeights: [{ device: "8:0", weight: 200 }], throttle: { readBps: [{ device: "8:0", rate: 1048576n }], writeIops: [{ device: "8:16", rate: 300n }] } },
      hugetlb: { "1GB": 1n << 30n },
      rdma: { mlx5_1: { hcaHandles: 3n, hcaObjects: 10000n } },
      network: { classId: 0x100001n, priorities: [{ name: "eth0", priority: 500n }] },
      unified: { "memory.high": "64M", "io.max": "8:0 rbps=2097152 wiops=120" },
    });
  });

  // One bad value per field: each error names linux.resources.<field> and the value.
  const BAD: Array<[string, unknown, RegExp]> = [
    ["memory.limit", { memory: { limit: -2 } }, /linux\.resources\.memory\.limit: invalid value -2/],
    ["memory.reservation", { memory: { reservation: "1G" } }, /linux\.resources\.memory\.reservation: invalid value "1G"/],
    ["memory.swap", { memory: { limit: 1000, swap: 10 } }, /linux\.resources\.memory\.swap: invalid value 10n: memory\+swap must be >= the memory limit/],
    ["memory.kernel", { memory: { kernel: -5 } }, /linux\.resources\.memory\.kernel: invalid value -5/],
    ["memory.kernelTCP", { memory: { kernelTCP: 1.5 } }, /linux\.resources\.memory\.kernelTCP: invalid value 1\.5/],
    ["memory.swappiness", { memory: { swappiness: 101 } }, /linux\.resources\.memory\.swappiness: invalid value 101: must be 0\.\.100/],
    ["memory.disableOOMKiller", { memory: { disableOOMKiller: 1 } }, /linux\.resources\.memory\.disableOOMKiller: invalid value 1/],
    ["cpu.shares", { cpu: { shares: -1 } }, /linux\.resources\.cpu\.shares: invalid value -1/],
    ["cpu.quota", { cpu: { quota: "50%" } }, /linux\.resources\.cpu\.quota: invalid value "50%"/],
    ["cpu.burst", { cpu: { burst: -1 } }, /linux\.resources\.cpu\.burst: invalid value -1/],
    ["cpu.period", { cpu: { period: -100 } }, /linux\.resources\.cpu\.period: invalid value -100/],
    ["cpu.realtimeRuntime", { cpu: { realtimeRuntime: -2 } }, /linux\.resources\.cpu\.realtimeRuntime: invalid value -2/],
    ["cpu.realtimePeriod", { cpu: { realtimePeriod: -1 } }, /linux\.resources\.cpu\.realtimePeriod: invalid value -1/],
    ["cpu.idle", { cpu: { idle: 2 } }, /linux\.resources\.cpu\.idle: invalid value 2: must be 0 \(default\) or 1/],
    ["cpu.cpus", { cpu: { cpus: 3 } }, /linux\.resources\.cpu\.cpus: invalid value 3/],
    ["pids.limit", { pids: { limit: 2 ** 60 } }, /linux\.resources\.pids\.limit: invalid value 1152921504606847000/],
    ["blockIO.weight", { blockIO: { weight: 1001 } }, /linux\.resources\.blockIO\.weight: invalid value 1001/],
    ["blockIO.leafWeight", { blockIO: { leafWeight: -1 } }, /linux\.resources\.blockIO\.leafWeight: invalid value -1/],
    ["blockIO.weightDevice", { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } }, /linux\.resources\.blockIO\.weightDevice\.0: .*needs weight or leafWeight/],
    ["blockIO.weightDevice.major", { blockIO: { weightDevice: [{ major: -8, minor: 0, weight: 10 }] } }, /linux\.resources\.blockIO\.weightDevice\.0\.major: invalid value -8/],
    ["blockIO.throttleReadBpsDevice", { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: -1 }] } }, /linux\.resources\.blockIO\.throttleReadBpsDevice\.0\.rate: invalid value -1/],
    ["blockIO.throttleWriteBpsDevice", { blockIO: { throttleWriteBpsDevice: [{ major: 8, minor: 0 }] } }, /linux\.resources\.blockIO\.throttleWriteBpsDevice\.0\.rate/],
    ["blockIO.throttleReadIOPSDevice", { blockIO: { throttleReadIOPSDevice: [{ major: 8, minor: 2 ** 21, rate: 1 }] } }, /linux\.resources\.blockIO\.throttleReadIOPSDevice\.0\.minor: invalid value 2097152/],
    ["blockIO.throttleWriteIOPSDevice", { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 1, extra: 1 }] } }, /linux\.resources\.blockIO\.throttleWriteIOPSDevice\.0/],
    ["hugepageLimits.pageSize", { hugepageLimits: [{ pageSize: "2M", limit: 1 }] }, /linux\.resources\.hugepageLimits\.0\.pageSize: invalid value "2M"/],
    ["hugepageLimits.limit", { hugepageLimits: [{ pageSize: "2MB", limit: -1 }] }, /linux\.resources\.hugepageLimits\.0\.limit: invalid value -1/],
    ["network.classID", { network: { classID: 2 ** 32 } }, /linux\.resources\.network\.classID: invalid value 4294967296: must fit in 32 bits/],
    ["network.priorities", { network: { priorities: [{ name: "eth0\n", priority: 1 }] } }, /linux\.resources\.network\.priorities\.0\.name: invalid value "eth0\\n"/],
    ["rdma", { rdma: { mlx5_1: {} } }, /linux\.resources\.rdma\.mlx5_1: .*needs hcaHandles or hcaObjects/],
    ["rdma.hcaHandles", { rdma: { mlx5_1: { hcaHandles: -3 } } }, /linux\.resources\.rdma\.mlx5_1\.hcaHandles: invalid value -3/],
    ["unified unknown key", { unified: { "memory.hihg": "1" } }, /linux\.resources\.unified\["memory\.hihg"\]: invalid value "1": not a cgroup v2 control file/],
    ["unified key with a newline", { unified: { "memory.max\nmemory.high": "1" } }, /linux\.resources\.unified\["memory\.max\\nmemory\.high"\]: .*must be a cgroup v2 file name/],
    ["unified key with a slash", { unified: { "../memory.max": "1" } }, /unified\["\.\.\/memory\.max"\].*no slash/],
    ["unified value with a newline", { unified: { "memory.max": "1\nmax" } }, /unified\["memory\.max"\]: invalid value "1\\nmax": the value contains a newline/],
    ["unified out of range", { unified: { "cpu.weight": "10001" } }, /unified\["cpu\.weight"\]: invalid value "10001"/],
    ["unified bad syntax", { unified: { "io.max": "8:0 rbps=fast" } }, /unified\["io\.max"\]: invalid value "8:0 rbps=fast"/],
    ["unified read-only file", { unified: { "memory.current": "1" } }, /unified\["memory\.current"\]: .*read-only/],
    ["unified value not a string", { unified: { "memory.max": 1 } }, /linux\.resources\.unified\.memory\.max: invalid value 1/],
    ["unknown field", { memory: { limt: 1 } }, /linux\.resources\.memory: invalid value/],
  ];
  it.each(BAD)("refuses a bad %s, naming it and the value", (_name, input, message) => {
    expect(() => resourcesFromOci(input)).toThrow(InvalidValueError);
    expect(() => resourcesFromOci(input)).toThrow(message);
  });
});
