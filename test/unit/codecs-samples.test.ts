// Real kernel text (test/fixtures/kernel-samples, see its README): every sample parses with the codec
// the spec gives its file, to the values the sample holds, and writable shapes format back to the same bytes.
// v2/from-docs/* are not from a live kernel: they are the examples of Documentation/admin-guide/cgroup-v2.rst,
// for v2 formats this hybrid host cannot show (its cgroup2 mount has no io/memory/cpu/rdma/misc controller).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Codec } from "../../src/runtime/codec.js";
import { codecs } from "../../src/runtime/codecs/index.js";

const ROOT = path.join(import.meta.dirname, "../fixtures/kernel-samples");
const UNLIMITED = 9223372036854771712n;

type AnyCodec = Codec<unknown, unknown>;
const loose = (c: unknown): AnyCodec => c as AnyCodec;

interface Sample {
  readonly codec: AnyCodec;
  /** The parsed value in full, or a check of the parts that matter. */
  readonly expect: unknown | ((value: never) => void);
  /**
   * How the text comes back from format: "whole" (format(parse(text)) + "\n" is the text),
   * "lines" (each line, written as a one-key value or one list element, is that line), or "none" (read-only or a different write shape).
   */
  readonly reformat: "whole" | "lines" | "none";
}

const flat = loose(codecs.flatKeyed());
const psi = loose(codecs.psi());
const checkPsi =
  (some: { avg10: number; avg60: number; avg300: number; total: bigint }, full?: { avg10: number; avg60: number; avg300: number; total: bigint }) =>
  (v: never) =>
    expect(v).toEqual(full ? { some, full } : { some });
const zeroPsi = { avg10: 0, avg60: 0, avg300: 0, total: 0n };

const SAMPLES: Record<string, Sample> = {
  // v1, host root (read only)
  "v1/memory.stat": {
    codec: flat,
    reformat: "lines",
    expect: (v: Record<string, bigint>) => {
      expect(Object.keys(v)).toHaveLength(42);
      expect(v.hierarchical_memory_limit).toBe(UNLIMITED);
      expect(v.hierarchical_memsw_limit).toBe(UNLIMITED);
      expect(v.cache).toBe(10125312n);
      expect(v.total_unevictable).toBe(16113664n);
    },
  },
  "v1/memory.numa_stat": {
    codec: loose(codecs.numaStat()),
    reformat: "none",
    expect: (v: Record<string, Record<string, bigint>>) => {
      expect(Object.keys(v)).toEqual(["total", "file", "anon", "unevictable", "hierarchical_total", "hierarchical_file", "hierarchical_anon", "hierarchical_unevictable"]);
      expect(v.total).toEqual({ total: 4542n, N0: 4542n });
      expect(v.hierarchical_total).toEqual({ hierarchical_total: 292213n, N0: 292213n });
    },
  },
  "v1/memory.oom_control": { codec: flat, reformat: "lines", expect: { oom_kill_disable: 0n, under_oom: 0n, oom_kill: 0n } },
  "v1/memory.limit_in_bytes": { codec: loose(codecs.v1Bytes()), reformat: "none", expect: "max" },
  "v1/memory.kmem.limit_in_bytes": { codec: loose(codecs.u64()), reformat: "whole", expect: UNLIMITED },
  "v1/memory.soft_limit_in_bytes": { codec: loose(codecs.v1Bytes()), reformat: "none", expect: "max" },
  "v1/memory.usage_in_bytes": { codec: loose(codecs.u64()), reformat: "whole", expect: 1200295936n },
  "v1/memory.swappiness": { codec: loose(codecs.int({ min: 0, max: 200 })), reformat: "whole", expect: 60 },
  "v1/memory.use_hierarchy": { codec: loose(codecs.bool()), reformat: "whole", expect: true },
  "v1/cpu.cfs_quota_us": { codec: loose(codecs.s64({ min: -1n })), reformat: "whole", expect: -1n },
  "v1/cpu.cfs_period_us": { codec: loose(codecs.u64({ min: 1000n, max: 1000000n })), reformat: "whole", expect: 100000n },
  "v1/cpu.rt_runtime_us": { codec: loose(codecs.s64({ min: -1n })), reformat: "whole", expect: 950000n },
  "v1/cpu.shares": { codec: loose(codecs.u64({ min: 2n, max: 262144n })), reformat: "whole", expect: 1024n },
  "v1/cpu.stat": { codec: flat, reformat: "lines", expect: { nr_periods: 0n, nr_throttled: 0n, throttled_time: 0n, nr_bursts: 0n, burst_time: 0n } },
  "v1/cpuacct.stat": { codec: flat, reformat: "lines", expect: { user: 41885n, system: 31055n } },
  "v1/cpuacct.usage": { codec: loose(codecs.u64()), reformat: "whole", expect: 729546674986n },
  "v1/cpuacct.usage_all": {
    codec: loose(codecs.table()),
    reformat: "none",
    expect: [
      { cpu: 0n, user: 199768000000n, system: 140236000000n },
      { cpu: 1n, user: 219008000000n, system: 170300000000n },
    ],
  },
  // The kernel ends this list with a space before the newline.
  "v1/cpuacct.usage_percpu": { codec: loose(codecs.u64List()), reformat: "none", expect: [339798156250n, 389487301022n] },
  "v1/cpuset.cpus": { codec: loose(codecs.rangeList()), reformat: "whole", expect: [0, 1] },
  "v1/cpuset.effective_cpus": { codec: loose(codecs.rangeList()), reformat: "whole", expect: [0, 1] },
  "v1/cpuset.mems": { codec: loose(codecs.rangeList()), reformat: "whole", expect: [0] },
  "v1/cpuset.cpu_exclusive": { codec: loose(codecs.bool()), reformat: "whole", expect: true },
  "v1/cpuset.sched_relax_domain_level": { codec: loose(codecs.int({ min: -1, max: 5 })), reformat: "whole", expect: -1 },
  "v1/blkio.throttle.io_serviced": { codec: loose(codecs.blkioStat()), reformat: "none", expect: { devices: {}, total: 0n } },
  "v1/blkio.throttle.io_service_bytes": { codec: loose(codecs.blkioStat()), reformat: "none", expect: { devices: {}, total: 0n } },
  "v1/blkio.throttle.read_bps_device": { codec: loose(codecs.deviceValues()), reformat: "lines", expect: {} },
  "v1/devices.list": { codec: loose(codecs.deviceRules()), reformat: "lines", expect: [{ type: "a", major: "*", minor: "*", access: "rwm" }] },
  "v1/cgroup.procs": {
    codec: loose(codecs.pidList()),
    reformat: "lines",
    expect: (v: number[]) => {
      expect(v).toHaveLength(99);
      expect(v[0]).toBe(1);
      expect(v.every((pid) => Number.isSafeInteger(pid) && pid > 0)).toBe(true);
    },
  },
  "v1/release_agent": { codec: loose(codecs.string()), reformat: "whole", expect: "" },

  // v1, a test-owned child group
  "v1/child/memory.stat": {
    codec: flat,
    reformat: "lines",
    expect: (v: Record<string, bigint>) => {
      expect(v.hierarchical_memory_limit).toBe(268435456n);
      expect(v.hierarchical_memsw_limit).toBe(UNLIMITED);
      expect(v.pgfault).toBe(407n);
      expect(v.total_active_file).toBe(155648n);
    },
  },
  "v1/child/memory.numa_stat": {
    codec: loose(codecs.numaStat()),
    reformat: "none",
    expect: (v: Record<string, Record<string, bigint>>) => {
      expect(v.file).toEqual({ file: 59n, N0: 59n });
      expect(v.hierarchical_unevictable).toEqual({ hierarchical_unevictable: 0n, N0: 0n });
    },
  },
  "v1/child/memory.oom_control": { codec: flat, reformat: "lines", expect: { oom_kill_disable: 0n, under_oom: 0n, oom_kill: 0n } },
  "v1/child/memory.limit_in_bytes": { codec: loose(codecs.v1Bytes()), reformat: "whole", expect: 268435456n },
  "v1/child/memory.memsw.limit_in_bytes": { codec: loose(codecs.v1Bytes()), reformat: "none", expect: "max" },
  "v1/child/memory.max_usage_in_bytes": { codec: loose(codecs.u64()), reformat: "whole", expect: 1261568n },
  "v1/child/cpu.cfs_quota_us": { codec: loose(codecs.s64({ min: -1n })), reformat: "whole", expect: 50000n },
  "v1/child/cpu.shares": { codec: loose(codecs.u64({ min: 2n, max: 262144n })), reformat: "whole", expect: 512n },
  "v1/child/cpu.stat": { codec: flat, reformat: "lines", expect: { nr_periods: 3n, nr_throttled: 0n, throttled_time: 0n, nr_bursts: 0n, burst_time: 0n } },
  "v1/child/cpuacct.stat": { codec: flat, reformat: "lines", expect: { user: 1n, system: 4n } },
  "v1/child/cpuacct.usage_all": {
    codec: loose(codecs.table()),
    reformat: "none",
    expect: [
      { cpu: 0n, user: 12000000n, system: 28000000n },
      { cpu: 1n, user: 8000000n, system: 16000000n },
    ],
  },
  "v1/child/cpuacct.usage_percpu": { codec: loose(codecs.u64List()), reformat: "none", expect: [34428263n, 26085447n] },
  "v1/child/cpuset.cpus": { codec: loose(codecs.rangeList()), reformat: "whole", expect: [0, 1] },
  "v1/child/cpuset.mems": { codec: loose(codecs.rangeList()), reformat: "whole", expect: [0] },
  "v1/child/blkio.throttle.io_serviced": {
    codec: loose(codecs.blkioStat()),
    reformat: "none",
    expect: { devices: { "254:0": { Read: 71n, Write: 0n, Sync: 71n, Async: 0n, Discard: 0n, Total: 71n } }, total: 71n },
  },
  "v1/child/blkio.throttle.io_service_bytes": {
    codec: loose(codecs.blkioStat()),
    reformat: "none",
    expect: { devices: { "254:0": { Read: 372736n, Write: 0n, Sync: 372736n, Async: 0n, Discard: 0n, Total: 372736n } }, total: 372736n },
  },
  "v1/child/blkio.throttle.read_bps_device": { codec: loose(codecs.deviceValues()), reformat: "lines", expect: { "254:0": 104857600n } },
  "v1/child/blkio.throttle.write_iops_device": { codec: loose(codecs.deviceValues()), reformat: "lines", expect: { "254:0": 5000n } },
  "v1/child/pids.max": { codec: loose(codecs.limit()), reformat: "whole", expect: 100n },
  "v1/child/pids.current": { codec: loose(codecs.u64()), reformat: "whole", expect: 1n },
  "v1/child/pids.events": { codec: flat, reformat: "lines", expect: { max: 0n } },
  "v1/child/devices.list": {
    codec: loose(codecs.deviceRules()),
    reformat: "lines",
    expect: [
      { type: "c", major: 1, minor: 3, access: "rwm" },
      { type: "c", major: 1, minor: 5, access: "rwm" },
      { type: "c", major: 136, minor: "*", access: "rw" },
      { type: "b", major: 254, minor: 0, access: "r" },
      { type: "c", major: "*", minor: "*", access: "m" },
    ],
  },
  "v1/child/freezer.state": { codec: loose(codecs.enum({ values: ["THAWED", "FREEZING", "FROZEN"] })), reformat: "whole", expect: "THAWED" },
  "v1/child/freezer.self_freezing": { codec: loose(codecs.bool()), reformat: "whole", expect: false },
  "v1/child/cgroup.procs": { codec: loose(codecs.pidList()), reformat: "lines", expect: [16271] },

  // v2, host root (read only) and /proc/pressure
  "v2/cgroup.controllers": { codec: loose(codecs.words()), reformat: "whole", expect: ["hugetlb"] },
  "v2/cgroup.subtree_control": { codec: loose(codecs.subtreeControl()), reformat: "none", expect: [] },
  "v2/cgroup.max.depth": { codec: loose(codecs.limit()), reformat: "whole", expect: "max" },
  "v2/cgroup.max.descendants": { codec: loose(codecs.limit()), reformat: "whole", expect: "max" },
  "v2/cgroup.pressure": { codec: loose(codecs.bool()), reformat: "whole", expect: true },
  "v2/cgroup.stat": {
    codec: flat,
    reformat: "lines",
    expect: { nr_descendants: 0n, nr_subsys_perf_event: 1n, nr_subsys_hugetlb: 1n, nr_dying_descendants: 0n, nr_dying_subsys_perf_event: 0n, nr_dying_subsys_hugetlb: 0n },
  },
  "v2/cpu.stat": { codec: flat, reformat: "lines", expect: { usage_usec: 731664000n, user_usec: 419884000n, system_usec: 311780000n, nice_usec: 0n } },
  "v2/cpu.pressure": { codec: psi, reformat: "none", expect: checkPsi({ avg10: 43.92, avg60: 59.9, avg300: 34.49, total: 171771548n }, zeroPsi) },
  "v2/io.pressure": {
    codec: psi,
    reformat: "none",
    expect: checkPsi({ avg10: 0, avg60: 0.09, avg300: 0.52, total: 6922918n }, { avg10: 0, avg60: 0.05, avg300: 0.42, total: 5690168n }),
  },
  "v2/memory.pressure": { codec: psi, reformat: "none", expect: checkPsi(zeroPsi, zeroPsi) },
  "v2/proc-pressure-cpu": { codec: psi, reformat: "none", expect: checkPsi({ avg10: 43.92, avg60: 59.9, avg300: 34.49, total: 171807807n }, zeroPsi) },
  "v2/proc-pressure-io": {
    codec: psi,
    reformat: "none",
    expect: checkPsi({ avg10: 0, avg60: 0.09, avg300: 0.52, total: 6922918n }, { avg10: 0, avg60: 0.05, avg300: 0.42, total: 5690168n }),
  },
  "v2/proc-pressure-memory": { codec: psi, reformat: "none", expect: checkPsi(zeroPsi, zeroPsi) },

  // v2, a test-owned child group
  "v2/child/cgroup.events": { codec: loose(codecs.flatKeyed({ keys: ["populated", "frozen"] })), reformat: "lines", expect: { populated: 1n, frozen: 0n } },
  "v2/child/cgroup.type": { codec: loose(codecs.enum({ values: ["domain", "domain threaded", "domain invalid", "threaded"] })), reformat: "whole", expect: "domain" },
  "v2/child/cgroup.freeze": { codec: loose(codecs.bool()), reformat: "whole", expect: false },
  "v2/child/cgroup.stat": {
    codec: flat,
    reformat: "lines",
    expect: { nr_descendants: 0n, nr_subsys_perf_event: 1n, nr_subsys_hugetlb: 0n, nr_dying_descendants: 0n, nr_dying_subsys_perf_event: 0n, nr_dying_subsys_hugetlb: 0n },
  },
  "v2/child/cgroup.controllers": { codec: loose(codecs.words()), reformat: "none", expect: [] },
  "v2/child/cgroup.max.depth": { codec: loose(codecs.limit()), reformat: "whole", expect: "max" },
  "v2/child/cgroup.procs": { codec: loose(codecs.pidList()), reformat: "lines", expect: [16271] },
  "v2/child/cpu.stat": { codec: flat, reformat: "lines", expect: { usage_usec: 0n, user_usec: 0n, system_usec: 0n, nice_usec: 0n } },
  "v2/child/cpu.pressure": { codec: psi, reformat: "none", expect: checkPsi(zeroPsi, zeroPsi) },
  "v2/child/io.pressure": { codec: psi, reformat: "none", expect: checkPsi(zeroPsi, zeroPsi) },
  "v2/child/memory.pressure": { codec: psi, reformat: "none", expect: checkPsi(zeroPsi, zeroPsi) },

  // v2 formats from the kernel documentation's examples (not a live kernel; see the header).
  "v2/from-docs/io.stat": {
    codec: loose(codecs.nestedKeyed({ keys: ["rbytes", "wbytes", "rios", "wios", "dbytes", "dios"] })),
    reformat: "lines",
    expect: {
      "8:16": { rbytes: 1459200n, wbytes: 314773504n, rios: 192n, wios: 353n, dbytes: 0n, dios: 0n },
      "8:0": { rbytes: 90430464n, wbytes: 299008000n, rios: 8950n, wios: 1252n, dbytes: 50331648n, dios: 3021n },
    },
  },
  "v2/from-docs/io.max": {
    codec: loose(codecs.nestedKeyed({ keys: ["rbps", "wbps", "riops", "wiops"], value: "limit" })),
    reformat: "lines",
    expect: { "8:16": { rbps: 2097152n, wbps: "max", riops: "max", wiops: 120n } },
  },
  "v2/from-docs/io.weight": { codec: loose(codecs.deviceValues()), reformat: "lines", expect: { default: 100n, "8:16": 200n, "8:0": 50n } },
  "v2/from-docs/io.cost.qos": {
    codec: loose(codecs.nestedKeyed({ value: "string" })),
    reformat: "lines",
    expect: { "8:16": { enable: "1", ctrl: "auto", rpct: "95.00", rlat: "75000", wpct: "95.00", wlat: "150000", min: "50.00", max: "150.0" } },
  },
  "v2/from-docs/rdma.max": {
    codec: loose(codecs.nestedKeyed({ keys: ["hca_handle", "hca_object"], value: "limit" })),
    reformat: "lines",
    expect: { mlx4_0: { hca_handle: 2n, hca_object: 2000n }, ocrdma1: { hca_handle: 3n, hca_object: "max" } },
  },
  "v2/from-docs/misc.max": { codec: loose(codecs.flatKeyed({ value: "limit" })), reformat: "lines", expect: { res_a: "max", res_b: 4n } },
  "v2/from-docs/memory.events": {
    codec: loose(codecs.flatKeyed({ keys: ["low", "high", "max", "oom", "oom_kill", "oom_group_kill", "sock_throttled"] })),
    reformat: "lines",
    expect: { low: 0n, high: 0n, max: 0n, oom: 0n, oom_kill: 0n, oom_group_kill: 0n, sock_throttled: 0n },
  },
  "v2/from-docs/memory.numa_stat": { codec: loose(codecs.nestedKeyed()), reformat: "lines", expect: { anon: { N0: 1466368n, N1: 0n }, file: { N0: 90112n, N1: 4096n } } },
  "v2/from-docs/cpu.max": { codec: loose(codecs.cpuMax()), reformat: "whole", expect: { quota: "max", period: 100000n } },
  "v2/from-docs/cpu.uclamp.min": { codec: loose(codecs.percentOrMax()), reformat: "whole", expect: 12.34 },
  "v2/from-docs/cpu.uclamp.max": { codec: loose(codecs.percentOrMax()), reformat: "whole", expect: "max" },
  "v2/from-docs/cgroup.events": { codec: loose(codecs.flatKeyed({ keys: ["populated", "frozen"] })), reformat: "lines", expect: { populated: 1n, frozen: 0n } },
  "v2/from-docs/cgroup.type": { codec: loose(codecs.enum({ values: ["domain", "domain threaded", "domain invalid", "threaded"] })), reformat: "whole", expect: "domain threaded" },
  "v2/from-docs/cgroup.subtree_control": { codec: loose(codecs.subtreeControl()), reformat: "none", expect: ["cpu", "memory"] },
};

function sampleFiles(dir: string, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return sampleFiles(path.join(dir, e.name), rel);
    return rel.startsWith("v1/") || rel.startsWith("v2/") ? [rel] : [];
  });
}

/** One line of a keyed file as a one-key write value. */
function oneKeyValue(codec: AnyCodec, parsed: unknown, line: string): unknown {
  const key = line.slice(0, line.indexOf(" "));
  const entry = (parsed as Record<string, unknown>)[key];
  return codec.name === "deviceValues" ? { device: key, value: entry } : { [key]: entry };
}

describe("kernel samples", () => {
  it("every sample file has an entry and every entry a file", () => {
    expect(sampleFiles(ROOT).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [file, sample] of Object.entries(SAMPLES)) {
    it(`${file} (${sample.codec.name})`, () => {
      const text = fs.readFileSync(path.join(ROOT, file), "latin1");
      const parsed = sample.codec.parse(text, path.basename(file));
      if (typeof sample.expect === "function") (sample.expect as (v: unknown) => void)(parsed);
      else expect(parsed).toEqual(sample.expect);

      if (sample.reformat === "whole") {
        expect(sample.codec.format(parsed, file) + (text.endsWith("\n") ? "\n" : "")).toBe(text);
      } else if (sample.reformat === "lines") {
        const lines = text.split("\n").filter(Boolean);
        lines.forEach((line, i) => {
          // List files write one element per line; keyed files one key per line.
          const value = Array.isArray(parsed) ? parsed[i] : oneKeyValue(sample.codec, parsed, line);
          expect(sample.codec.format(value, file)).toBe(line);
        });
      }
    });
  }
});

// The same codecs on the live files of this host, when it has them (read only): catches a kernel
// whose text drifted from the committed samples.
const LIVE: ReadonlyArray<readonly [string, AnyCodec]> = [
  ["/sys/fs/cgroup/memory/memory.stat", flat],
  ["/sys/fs/cgroup/memory/memory.numa_stat", loose(codecs.numaStat())],
  ["/sys/fs/cgroup/memory/memory.oom_control", flat],
  ["/sys/fs/cgroup/memory/memory.limit_in_bytes", loose(codecs.v1Bytes())],
  ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us", loose(codecs.s64())],
  ["/sys/fs/cgroup/cpu/cpu.stat", flat],
  ["/sys/fs/cgroup/cpuacct/cpuacct.usage_all", loose(codecs.table())],
  ["/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu", loose(codecs.u64List())],
  ["/sys/fs/cgroup/cpuset/cpuset.cpus", loose(codecs.rangeList())],
  ["/sys/fs/cgroup/cpuset/cpuset.mems", loose(codecs.rangeList())],
  ["/sys/fs/cgroup/blkio/blkio.throttle.io_serviced", loose(codecs.blkioStat())],
  ["/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes", loose(codecs.blkioStat())],
  ["/sys/fs/cgroup/devices/devices.list", loose(codecs.deviceRules())],
  ["/sys/fs/cgroup/unified/cgroup.controllers", loose(codecs.words())],
  ["/sys/fs/cgroup/unified/cgroup.stat", flat],
  ["/sys/fs/cgroup/unified/cgroup.procs", loose(codecs.pidList())],
  ["/sys/fs/cgroup/unified/cpu.pressure", psi],
  ["/sys/fs/cgroup/unified/io.pressure", psi],
  ["/sys/fs/cgroup/unified/memory.pressure", psi],
  ["/sys/fs/cgroup/unified/cpu.stat", flat],
  ["/proc/pressure/cpu", psi],
];

describe("live host files parse", () => {
  const present = LIVE.filter(([file]) => fs.existsSync(file));
  it.runIf(present.length > 0)(`${present.length} files of this host`, () => {
    for (const [file, codec] of present) {
      const text = fs.readFileSync(file, "latin1");
      expect(() => codec.parse(text, file), file).not.toThrow();
    }
  });
});
