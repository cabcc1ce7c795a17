// Case 5: device ACL. v1: kernel writes (and time) of cgroupkit's transition plan vs the common
// deny-all-then-allow; v2: eBPF program size, the verifier's processed-instruction count, and
// the time to compile, load and attach.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { formatDeviceRule } from "../../src/runtime/device-rule.js";
import { closeFd, loadDeviceProgram, programInfo } from "../../src/devices/ebpf/bpf.js";
import { applyV2DevicePolicy, removeV2DevicePolicy } from "../../src/devices/ebpf/apply.js";
import { compileDeviceFilter } from "../../src/devices/ebpf/compile.js";
import { DevicePolicy } from "../../src/devices/policy.js";
import { allowsBits, representativeRequests } from "../../src/devices/simulate.js";
import { devicePreset } from "../../src/devices/presets.js";
import { applyV1DevicePolicy, planV1Transition } from "../../src/devices/v1.js";
import type { V1Write } from "../../src/devices/errors.js";
import { compare, seededRandom, spread, timeOnce, type Contender } from "../harness.js";
import type { BenchContext, CaseResult, CaseRow } from "../types.js";

/** A deterministic default-deny policy of `count` distinct rules, shaped like a device passthrough list. */
export function generatedPolicy(count: number, seed: number, defaultAllow = false): DevicePolicy {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const rules = new Map<string, string>();
  while (rules.size < count) {
    const type = random() < 0.85 ? "c" : "b";
    const major = random() < 0.03 ? "*" : String(type === "c" ? pick([1, 4, 5, 10, 13, 29, 116, 136, 180, 188, 189, 195, 226, 235, 240, 241, 510]) : pick([7, 8, 9, 65, 179, 253, 259]));
    const minor = random() < 0.15 ? "*" : String(Math.floor(random() * 256));
    const access = pick(["rwm", "rw", "rw", "r", "m", "rm", "w"]);
    rules.set(`${type} ${major}:${minor}`, `${type} ${major}:${minor} ${access}`);
  }
  return DevicePolicy.fromState(defaultAllow, [...rules.values()]);
}

/** Drop `k` exceptions and add `k` new ones: a small edit of a large policy. */
function edited(policy: DevicePolicy, k: number, seed: number): DevicePolicy {
  const kept = policy.exceptions.slice(k).map((r) => formatDeviceRule(r));
  const extra = generatedPolicy(policy.exceptions.length + k, seed).exceptions.map((r) => formatDeviceRule(r));
  const keys = new Set(kept.map((r) => r.slice(0, r.lastIndexOf(" "))));
  const added = extra.filter((r) => !keys.has(r.slice(0, r.lastIndexOf(" ")))).slice(0, k);
  return DevicePolicy.fromState(policy.defaultAllow, [...kept, ...added]);
}

/** The writes the usual "reset then allow" approach makes. */
function denyAllThenAllow(to: DevicePolicy): V1Write[] {
  if (to.defaultAllow) throw new Error("deny-all-then-allow is for default-deny targets");
  return [{ file: "devices.deny", rule: { type: "a", major: "*", minor: "*", access: "rwm" } }, ...to.exceptions.map((rule) => ({ file: "devices.allow" as const, rule }))];
}

/** Along a sequence of writes: the most devices (of a representative grid) both ends allow that a step denies, and any step allowing what neither end allows. */
function transitionSafety(from: DevicePolicy, to: DevicePolicy, writes: readonly V1Write[]): { brieflyDenied: number; overPermissive: number } {
  const grid = representativeRequests([from, to]);
  let brieflyDenied = 0;
  let overPermissive = 0;
  let state = from;
  for (const w of writes) {
    state = state.withWrite(w);
    let denied = 0;
    for (const q of grid) {
      const a = allowsBits(from, q.type, q.major, q.minor, q.bits);
      const b = allowsBits(to, q.type, q.major, q.minor, q.bits);
      const now = allowsBits(state, q.type, q.major, q.minor, q.bits);
      if (a && b && !now) denied++;
      if (now && !a && !b) overPermissive++;
    }
    brieflyDenied = Math.max(brieflyDenied, denied);
  }
  if (!state.equals(to)) throw new Error("a write sequence does not reach its target");
  return { brieflyDenied, overPermissive };
}

const writeText = (w: V1Write) => (w.rule.type === "a" ? "a" : formatDeviceRule(w.rule));

/** Put a v1 devices group into `policy` (untimed set-up): allow-all, then deny-all and the exceptions if default-deny. */
function setState(dir: string, policy: DevicePolicy): void {
  fs.writeFileSync(path.join(dir, "devices.allow"), "a");
  if (policy.defaultAllow) {
    for (const r of policy.exceptions) fs.writeFileSync(path.join(dir, "devices.deny"), formatDeviceRule(r));
    return;
  }
  fs.writeFileSync(path.join(dir, "devices.deny"), "a");
  for (const r of policy.exceptions) fs.writeFileSync(path.join(dir, "devices.allow"), formatDeviceRule(r));
}

export async function devicesCase(ctx: BenchContext): Promise<CaseResult> {
  const lxc = devicePreset("libvirt-lxc");
  const container = devicePreset("container");
  const withTun = DevicePolicy.fromState(false, [...container.exceptions.map((r) => formatDeviceRule(r)), "c 10:200 rwm"]);
  const hundred = generatedPolicy(100, 1);
  const hundredEdited = edited(hundred, 5, 2);
  const transitions: Array<[string, DevicePolicy, DevicePolicy]> = [
    ["new group (allow-all) → libvirt-lxc", DevicePolicy.allowAll(), lxc],
    ["libvirt-lxc → container", lxc, container],
    ["container → libvirt-lxc", container, lxc],
    ["container → container + /dev/net/tun", container, withTun],
    ["container + /dev/net/tun → container", withTun, container],
    ["deny-all → 100 rules", DevicePolicy.denyAll(), hundred],
    ["100 rules → 100 rules, 5 replaced", hundred, hundredEdited],
    ["libvirt-lxc → deny-all", lxc, DevicePolicy.denyAll()],
  ];

  const devicesMount = ctx.host.v1.get("devices");
  const rows: CaseRow[] = [];
  const countRows: Array<(string | number)[]> = [];
  const dir = devicesMount ? path.join(ctx.groups.dirIn(devicesMount), "devices") : undefined;
  if (dir) fs.mkdirSync(dir);
  try {
    for (const [label, from, to] of transitions) {
      const planStart = process.hrtime.bigint();
      const plan = planV1Transition(from, to);
      const planMs = Number(process.hrtime.bigint() - planStart) / 1e6;
      const reset = denyAllThenAllow(to);
      const ours = transitionSafety(from, to, plan);
      const theirs = transitionSafety(from, to, reset);
      countRows.push([label, plan.length, reset.length, ours.brieflyDenied, theirs.brieflyDenied, ours.overPermissive + theirs.overPermissive, planMs.toFixed(2)]);
      if (!dir) continue;
      const contenders: Contender[] = [
        {
          name: "raw deny-all-then-allow writes",
          ops: 1,
          before: () => setState(dir, from),
          run: async () => {
            for (const w of reset) await fsp.writeFile(path.join(dir, w.file), writeText(w));
          },
        },
        {
          name: "raw writes of cgroupkit's plan",
          ops: 1,
          vs: "raw deny-all-then-allow writes",
          before: () => setState(dir, from),
          run: async () => {
            for (const w of plan) await fsp.writeFile(path.join(dir, w.file), writeText(w));
          },
        },
        {
          name: "applyV1DevicePolicy (read, plan, write, verify)",
          ops: 1,
          vs: "raw deny-all-then-allow writes",
          before: () => setState(dir, from),
          run: async () => void (await applyV1DevicePolicy(dir, to)),
          after: () => {
            const now = DevicePolicy.fromDevicesList(fs.readFileSync(path.join(dir, "devices.list"), "latin1"));
            if (!now.equals(to)) throw new Error(`devices: ${label}: the group did not reach the target`);
          },
        },
      ];
      // Planning a large policy takes seconds (see the plan ms column): timing it in rounds would take minutes.
      const slowPlan = planMs > 500;
      const timed = slowPlan ? contenders.filter((c) => !c.name.startsWith("applyV1DevicePolicy")) : contenders;
      rows.push({
        subject: `v1: ${label}`,
        results: await compare(timed, { rounds: ctx.quick ? 5 : 25, warmup: 3 }),
        skipped: slowPlan ? [{ name: "applyV1DevicePolicy", reason: `not timed in rounds: planV1Transition alone took ${planMs.toFixed(0)} ms for this change` }] : [],
      });
    }
  } finally {
    if (dir) fs.rmdirSync(dir);
  }
  ctx.progress("devices v1");

  // eBPF: program sizes, verifier counts, and the time to compile and to apply on a cgroup2 group.
  const ebpfRows: Array<(string | number)[]> = [];
  const v2Dir = ctx.host.v2 ? path.join(ctx.groups.dirIn(ctx.host.v2), "devices") : undefined;
  if (v2Dir) fs.mkdirSync(v2Dir);
  try {
    const policies: Array<[string, DevicePolicy]> = [
      ["libvirt-lxc preset", lxc],
      ["container preset", container],
      ["100 rules, default deny", hundred],
      ["100 rules, default allow", generatedPolicy(100, 1, true)],
    ];
    for (const [label, policy] of policies) {
      const compileTimes: number[] = [];
      let compiled = compileDeviceFilter(policy);
      for (let i = 0; i < (ctx.quick ? 5 : 30); i++) compileTimes.push(await timeOnce(() => (compiled = compileDeviceFilter(policy))));
      const loaded = loadDeviceProgram(compiled.bytecode, "cgroupkit_bench");
      let xlated: number | undefined;
      let verified: number | undefined;
      try {
        const info = programInfo(loaded.fd);
        xlated = info.xlatedInsns;
        verified = info.verifiedInsns;
      } finally {
        closeFd(loaded.fd);
      }
      let applyMs = "no cgroup2 mount";
      let applyProcessed: number | string = "";
      if (v2Dir) {
        const applyTimes: number[] = [];
        for (let i = 0; i < (ctx.quick ? 3 : 10); i++) {
          applyTimes.push(
            await timeOnce(() => {
              applyProcessed = applyV2DevicePolicy(v2Dir, policy).verifierProcessedInsns ?? "not in log";
            }),
          );
        }
        applyMs = (spread(applyTimes).median * 1e3).toFixed(2);
      }
      ebpfRows.push([label, policy.exceptions.length, compiled.effectiveExceptions, compiled.count, loaded.processedInsns ?? "not in log", applyProcessed, xlated ?? "", verified ?? "", (spread(compileTimes).median * 1e6).toFixed(0), applyMs]);
    }
  } finally {
    if (v2Dir) {
      removeV2DevicePolicy(v2Dir);
      fs.rmdirSync(v2Dir);
    }
  }
  ctx.progress("devices eBPF");

  return {
    id: "devices",
    title: "5. Device ACL: v1 writes per policy change, eBPF program size and verifier work",
    unit: "ms/change",
    rows,
    tables: [
      {
        title: "v1 writes per policy change (cgroupkit's plan vs deny-all-then-allow)",
        header: ["change", "cgroupkit writes", "deny-all-then-allow writes", "cgroupkit: most shared devices briefly denied", "deny-all-then-allow: same", "states allowing what neither end allows", "plan ms"],
        rows: countRows,
      },
      {
        title: "eBPF device programs (cgroup2)",
        header: ["policy", "rules", "after simplification", "instructions", "verifier processed (load log)", "verifier processed (applyV2DevicePolicy)", "xlated insns", "verified_insns (prog info)", "compile µs (median)", "apply ms (median: compile+load+attach/replace+query)"],
        rows: ebpfRows,
      },
    ],
    notes: [
      "\"Shared devices briefly denied\" counts requests (on a representative grid of the two policies' devices and access bits) that both the old and the new policy allow but some intermediate state denies: a running container would see EPERM for them mid-change. deny-all-then-allow denies all of them; cgroupkit's plan keeps them where v1 allows it (a change of default cannot: `a` clears every exception).",
      "Timed on a v1 devices group of the bench; the group is put into the starting policy untimed before every run, and its devices.list is checked against the target after applyV1DevicePolicy.",
      `The 100-rule policy is generated deterministically (seed 1): character and block devices of common majors, 15% wildcard minors, mixed access; "5 replaced" drops 5 rules and adds 5 others.`,
      "eBPF apply replaces the bench group's earlier program atomically (BPF_F_REPLACE) after the first run; each load is verified anew by the kernel.",
    ],
  };
}
