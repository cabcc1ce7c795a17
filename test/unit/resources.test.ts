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

  it("systemd scales by the defaults and clamps; libcgroup does not clamp", () => {
    expect([2n, 1024n, 2048n, 10_000_000n].map(cpuSharesToWeightSystemd)).toEqual([1, 100, 200, 10000]);
    expect([2n, 1024n].map(cpuSharesToWeightLibcgroup)).toEqual([0, 100]);
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

  it("refuses fields it would otherwise drop", () => {
    expect(() => resourcesFromOci({ cpu: { realtimeRuntime: 1000 } })).toThrow(/cpu\.realtimeRuntime: .*not supported/);
  });
});
