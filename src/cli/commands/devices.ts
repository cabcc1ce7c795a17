// `devices show|apply|check`: the device ACL of a group, and the policy evaluator with its reasons.
import * as nodeFs from "node:fs";
import { applyDevicePolicy, readDevicePolicy } from "../../devices/apply.js";
import { queryV2DevicePrograms } from "../../devices/ebpf/apply.js";
import { DevicePolicy } from "../../devices/policy.js";
import { DEVICE_PRESET_NAMES, devicePreset, type DevicePresetName } from "../../devices/presets.js";
import { UnsafeDeviceTransitionError } from "../../devices/errors.js";
import {
  deviceAccessBits,
  deviceExceptionRule,
  exceptionMatches,
  formatDeviceRule,
  MATCH_EXCEPTION,
  MATCH_EXCEPTION_PARTIAL,
  rangeOverlaps,
  type DeviceException,
} from "../../runtime/device-rule.js";
import { CgroupError } from "../../runtime/errors.js";
import { UsageError } from "../args.js";
import { groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";

/** Above this many rules `devices apply` says that it is working (about a second of planning on v1). */
const LONG_POLICY_RULES = 256;
/** The policy name that opens the ACL: every device, every access. @internal */
export const ALLOW_ALL = "allow-all";

/** Where a policy came from, for messages. @internal */
export interface NamedPolicy {
  readonly source: string;
  readonly policy: DevicePolicy;
}

/**
 * A preset name or a JSON policy file (`{"default":"deny","exceptions":["c 1:3 rwm"]}` or an OCI
 * `linux.resources.devices` array).
 * @internal
 */
export function policyArg(text: string): NamedPolicy {
  // "none" reads as "no devices" to some and "no policy" (every device) to others: neither is guessed.
  if (text === "none") {
    throw new UsageError(`device policy "none" is ambiguous: type allow-all to allow every device (an open ACL), or a preset (${DEVICE_PRESET_NAMES.join(", ")}) or a policy file to allow only some`);
  }
  if (text === ALLOW_ALL) return { source: ALLOW_ALL, policy: DevicePolicy.allowAll() };
  if ((DEVICE_PRESET_NAMES as readonly string[]).includes(text)) return { source: `preset ${text}`, policy: devicePreset(text as DevicePresetName) };
  if (!nodeFs.existsSync(text)) {
    throw new UsageError(`${JSON.stringify(text)} is neither a preset (${DEVICE_PRESET_NAMES.join(", ")}) nor a policy file (allow-all allows every device)`);
  }
  return { source: text, policy: DevicePolicy.fromJsonFile(text) };
}

/** The presets a policy is equal to. */
function presetsMatching(policy: DevicePolicy): string[] {
  return DEVICE_PRESET_NAMES.filter((name) => devicePreset(name).equals(policy));
}

/** A device request as typed: `c`, `1:3` (or `*:*`), `rw`. @internal */
export function deviceRequest(typeText: string, numbers: string, access: string): { type: "b" | "c"; major: number | "*"; minor: number | "*"; access: string } {
  if (typeText !== "b" && typeText !== "c") throw new UsageError(`device type ${JSON.stringify(typeText)}: expected b (block) or c (char)`);
  const match = /^(\d+|\*):(\d+|\*)$/.exec(numbers);
  if (!match) throw new UsageError(`${JSON.stringify(numbers)}: expected MAJOR:MINOR (numbers or *), e.g. 1:3`);
  const num = (s: string) => (s === "*" ? "*" : Number(s));
  if (!/^(?!.*(.).*\1)[rwm]+$/.test(access)) throw new UsageError(`access ${JSON.stringify(access)}: expected letters r, w, m (each at most once)`);
  return { type: typeText, major: num(match[1] as string), minor: num(match[2] as string), access };
}

const LETTER_NAMES: Readonly<Record<string, string>> = { r: "read", w: "write", m: "mknod" };

const shownRule = (ex: DeviceException) => formatDeviceRule(deviceExceptionRule(ex));

/**
 * The verdict of the kernel-exact evaluator, and a sentence on which rule decided it.
 * @internal
 */
export function explainDecision(policy: DevicePolicy, type: "b" | "c", major: number | "*", minor: number | "*", access: string): { allowed: boolean; reason: string } {
  const allowed = policy.allows(type, major, minor, access);
  const device = `${type} ${major}:${minor}`;
  const letters = [...access].map((l) => LETTER_NAMES[l] ?? l).join("+");
  const request = { type, major, minor };
  const bits = deviceAccessBits(access);
  const exceptions = policy.internalExceptions;
  if (!policy.defaultAllow) {
    if (allowed) {
      const rule = exceptions.find((ex) => exceptionMatches(ex, request, bits, MATCH_EXCEPTION));
      return { allowed, reason: `the allow list has ${rule ? shownRule(rule) : "a rule"}, which grants ${letters} on ${device}` };
    }
    const partial = exceptions.filter((ex) => rangeOverlaps(ex, request));
    if (partial.length === 0) return { allowed, reason: `default deny, and no rule of the allow list names ${device}` };
    const shown = partial.map(shownRule).join(", ");
    return { allowed, reason: `default deny; the allow list names ${device} only as ${shown}, which does not grant all of ${letters}${major === "*" || minor === "*" ? " on the whole range" : ""}` };
  }
  const denying = exceptions.filter((ex) => exceptionMatches(ex, request, bits, MATCH_EXCEPTION_PARTIAL));
  if (allowed) return { allowed, reason: `default allow, and no rule of the deny list takes ${letters} away from ${device}` };
  return { allowed, reason: `default allow, but the deny list has ${denying.map(shownRule).join(", ")}` };
}

function describePolicy(policy: DevicePolicy): string[] {
  const matching = presetsMatching(policy);
  return [
    `default: ${policy.defaultAllow ? "allow" : "deny"}${matching.length ? ` (preset ${matching.join(", ")})` : ""}`,
    ...(policy.exceptions.length ? [`${policy.defaultAllow ? "deny" : "allow"}:`, ...policy.exceptions.map((r) => `  ${formatDeviceRule(r)}`)] : []),
  ];
}

/** @internal */
export const devicesCheckVerb: Verb = {
  name: "devices check",
  summary: "would a policy allow this device access? (and which rule decides)",
  usage: ["devices check PRESET|FILE TYPE MAJ:MIN ACCESS"],
  description:
    "Evaluates the policy exactly as the kernel's device cgroup does and prints allowed or denied with the\n" +
    "rule that decided. TYPE is b or c; MAJ:MIN may use * for a range; ACCESS is letters of rwm\n" +
    "(r read, w write, m mknod). Exit status 0 either way; --json prints {allowed, reason}.",
  syntax: { options: [], positionals: { min: 4, max: 4 } },
  examples: [
    ["cgroupkit devices check libvirt-lxc c 1:3 rw", "/dev/null: allowed"],
    ["cgroupkit devices check libvirt-lxc c 5:0 r", "/dev/tty: denied"],
    ["cgroupkit devices check ./policy.json b 8:0 m", "mknod of /dev/sda under a policy file"],
  ],
  async run(ctx: CliContext) {
    const [policyText, type, numbers, access] = ctx.args.positionals as [string, string, string, string];
    const { source, policy } = policyArg(policyText);
    const request = deviceRequest(type, numbers, access);
    const { allowed, reason } = explainDecision(policy, request.type, request.major, request.minor, request.access);
    if (ctx.json) ctx.printJson({ policy: source, device: `${request.type} ${numbers}`, access, allowed, reason });
    else ctx.print(`${allowed ? "allowed" : "denied"}: ${reason}`);
    return 0;
  },
};

/** @internal */
export const devicesShowVerb: Verb = {
  name: "devices show",
  summary: "show a group's device policy (v1 devices.list, cgroup2 device programs)",
  usage: ["devices show GROUP"],
  description:
    "v1: reads devices.list and prints the default and the exceptions, naming the preset it equals.\n" +
    "cgroup2: lists the eBPF device programs attached to the group (ours are named cgroupkit_dev).",
  syntax: { options: [], positionals: { min: 1, max: 1 } },
  examples: [["cgroupkit devices show web", "what web may open"]],
  async run(ctx: CliContext) {
    const name = groupArg(ctx.args.positionals[0] as string);
    const cg = await ctx.openGroup(name);
    const inForce = await readDevicePolicy(cg);
    const out: Record<string, unknown> = { group: name, mechanism: inForce.mechanism, dir: inForce.dir };
    const lines: string[] = [];
    if (inForce.policy) {
      Object.assign(out, inForce.policy.toJSON(), { presets: presetsMatching(inForce.policy) });
      lines.push(`v1 devices (${inForce.dir}):`, ...describePolicy(inForce.policy).map((l) => `  ${l}`));
    }
    // On a hybrid host cgroup2 device programs are enforced too, next to the v1 controller.
    const v2 = cg.v2Placement;
    let programs = inForce.programs;
    if (programs === undefined && v2) {
      // Beside a v1 ACL the programs are extra information: a caller without CAP_SYS_ADMIN (the BPF query needs it)
      // still gets the v1 policy, with a note instead of the programs.
      try {
        programs = queryV2DevicePrograms(v2.dir).programs;
      } catch (err) {
        if (!(err instanceof CgroupError && (err.code === "EPERM" || err.code === "EACCES"))) throw err;
        out.programs = null;
        lines.push(`cgroup2 device programs (${v2.dir}): not shown (${err.code}: listing them needs CAP_SYS_ADMIN)`);
      }
    }
    if (programs !== undefined && v2) {
      out.programs = programs;
      lines.push(`cgroup2 device programs (${v2.dir}):`);
      if (programs.length === 0) lines.push("  none attached here (an ancestor's programs still apply)");
      for (const p of programs) lines.push(`  id ${p.id} ${p.name}${p.ours ? " (cgroupkit)" : ""}, tag ${p.tag}, ${p.xlatedInsns} instructions`);
    }
    if (ctx.json) ctx.printJson(out);
    else ctx.print(lines.join("\n"));
    return 0;
  },
};

/** @internal */
export const devicesApplyVerb: Verb = {
  name: "devices apply",
  summary: "enforce a device policy on a group (fail closed)",
  usage: ["devices apply GROUP PRESET|FILE"],
  description:
    "Where the devices controller is on v1, writes devices.allow/deny in an order that never passes through\n" +
    "a state looser than both ends, then reads devices.list back; otherwise attaches an eBPF device program\n" +
    "to the group's cgroup2 directory. On any failure after the first change the group is left deny-all.\n" +
    "Presets: libvirt-lxc (null, zero, full, console, random, urandom), container (runc's default set).\n" +
    'FILE: JSON {"default":"deny","exceptions":["c 1:3 rwm"]} or an OCI linux.resources.devices array.',
  syntax: {
    options: [{ name: "allow-transient-allow-all", takes: "flag", help: "v1: accept the moment of allow-all that going from default-deny to default-allow with exceptions takes" }],
    positionals: { min: 2, max: 2 },
  },
  examples: [
    ["cgroupkit devices apply web libvirt-lxc", "the libvirt LXC guest set"],
    ["cgroupkit devices apply web ./devices.json", "a policy file"],
  ],
  async run(ctx: CliContext) {
    const [groupText, policyText] = ctx.args.positionals as [string, string];
    const name = groupArg(groupText);
    const { source, policy } = policyArg(policyText);
    const cg = await ctx.openGroup(name);
    // Planning the v1 writes grows with the square of the rules: say so before a wait of seconds.
    if (policy.exceptions.length > LONG_POLICY_RULES) ctx.io.stderr(`cgroupkit devices apply: ${policy.exceptions.length} rules; planning and writing them can take a few seconds…\n`);
    const allowTransientAllowAll = ctx.args.flags.has("allow-transient-allow-all");
    let result;
    try {
      result = await applyDevicePolicy(cg, policy, { allowTransientAllowAll });
    } catch (err) {
      if (err instanceof UnsafeDeviceTransitionError) {
        throw new UsageError(
          `${name} is default-deny and ${source} is default-allow with exceptions: cgroup v1 cannot switch without passing through allow-all ` +
            "(writing \"a\" to devices.allow clears every exception); nothing was written. --allow-transient-allow-all accepts that window",
          "devices apply",
        );
      }
      throw err;
    }
    const detail = result.mechanism === "v1" ? `${result.v1.writes.length} writes, devices.list verified` : `eBPF program ${result.ebpf.programId} (${result.ebpf.method})`;
    if (ctx.json) ctx.printJson({ group: name, policy: source, mechanism: result.mechanism, dir: result.dir, ...(result.mechanism === "v1" ? { writes: result.v1.writes.length, ...(result.v1.hiddenExceptionsMayRemain ? { hiddenExceptionsMayRemain: true } : {}) } : { programId: result.ebpf.programId, method: result.ebpf.method }) });
    else ctx.print(`applied ${source} to ${name} through ${result.mechanism === "v1" ? "v1 devices" : "cgroup2 eBPF"}: ${detail}`);
    if (result.mechanism === "v1" && result.v1.hiddenExceptionsMayRemain) {
      ctx.io.stderr(
        `cgroupkit devices apply: note: ${name} was default-allow, and the kernel does not list such a group's denies: any it held stay, so it may deny more than ${source} says` +
          `${policy.exceptions.length > 0 ? " (--allow-transient-allow-all clears them first, through a moment of allow-all)" : " (it has child groups, which refuse the reset)"}\n`,
      );
    }
    return 0;
  },
};
