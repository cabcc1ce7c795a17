// libcgroup's cgconfig.conf (cgconfig.conf(5)): its `group` sections — perm { task { uid gid } admin { uid gid } }
// and controller { param = value; } blocks — as a tree document. Anything the document cannot say (mount, default
// and template sections, fperm/dperm, parameters outside the limits model, task and admin owners that differ) is
// refused with the line it is on, never dropped.
import * as nodeFs from "node:fs";
import { DevicePolicy, type DevicePolicyRule } from "../devices/policy.js";
import { InvalidValueError } from "../runtime/errors.js";
import { TreeDocumentError, validateTreeDocument, type TreeDocument } from "./document.js";

/** A line of cgconfig.conf cgroupkit cannot read or express. @internal */
export class CgconfigError extends InvalidValueError {
  constructor(
    readonly source: string,
    readonly line: number,
    text: string,
    reason: string,
  ) {
    super(`${source}:${line}`, text, reason);
    this.message = `${source}:${line}: ${text === "" ? "" : `${text}: `}${reason}`;
  }
}

interface Token {
  readonly text: string;
  readonly line: number;
  /** A quoted string (never a symbol). */
  readonly quoted: boolean;
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if ("{};=".includes(c)) {
      tokens.push({ text: c, line, quoted: false });
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0 || text.slice(i + 1, end).includes("\n")) throw new CgconfigError(source, line, "", "a quoted value is not closed on its line");
      tokens.push({ text: text.slice(i + 1, end), line, quoted: true });
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};="#]/.test(text[j] as string)) j++;
      tokens.push({ text: text.slice(i, j), line, quoted: false });
      i = j;
    }
  }
  return tokens;
}

/** A user or group: a number, or a name looked up in /etc/passwd or /etc/group (as libcgroup does with getpwnam). */
function idOf(name: string, table: "/etc/passwd" | "/etc/group", source: string, line: number, what: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  let entries = "";
  try {
    entries = nodeFs.readFileSync(table, "utf8");
  } catch {
    /* no table: only numeric ids */
  }
  for (const row of entries.split("\n")) {
    const [entry, , id] = row.split(":");
    if (entry === name && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  throw new CgconfigError(source, line, `${what} = ${name}`, `no such ${table === "/etc/passwd" ? "user" : "group"} in ${table}`);
}

/** Where each parameter of cgconfig.conf goes in the document: the section and key, and how its text is read. */
const PARAMETERS: Readonly<Record<string, readonly [section: string, key: string]>> = {
  "cpu.shares": ["cpu", "shares"],
  "cpu.weight": ["cpu", "weight"],
  "cpu.cfs_quota_us": ["cpu", "quota"],
  "cpu.cfs_period_us": ["cpu", "period"],
  "cpuset.cpus": ["cpu", "cpus"],
  "cpuset.mems": ["cpu", "mems"],
  "memory.limit_in_bytes": ["memory", "max"],
  "memory.max": ["memory", "max"],
  "memory.soft_limit_in_bytes": ["memory", "low"],
  "memory.low": ["memory", "low"],
  "memory.high": ["memory", "high"],
  "memory.swap.max": ["memory", "swap"],
  "memory.swappiness": ["memory", "swappiness"],
  "pids.max": ["pids", "max"],
  "blkio.weight": ["io", "blkioWeight"],
  "io.weight": ["io", "weight"],
};

interface GroupDraft {
  readonly line: number;
  taskOwner?: { uid?: number; gid?: number; line: number };
  adminOwner?: { uid?: number; gid?: number; line: number };
  readonly sections: Record<string, Record<string, unknown>>;
  memsw?: { text: string; line: number };
  deviceRules: Array<DevicePolicyRule & { line: number }>;
}

/**
 * cgconfig.conf text as a tree document (plain data, the form `apply` reads), and the line each value came from.
 * @throws CgconfigError naming the line of anything it cannot read or express
 * @internal
 */
export function cgconfigToPlain(text: string, source: string): { plain: Record<string, unknown>; lines: Map<string, number> } {
  const tokens = tokenize(text, source);
  /** Document path (with the group's cgconfig name) → line, to name the line when a value is refused later. */
  const lines = new Map<string, number>();
  let pos = 0;
  const lastLine = () => tokens.at(-1)?.line ?? 1;
  const next = (what: string): Token => {
    const t = tokens[pos++];
    if (!t) throw new CgconfigError(source, lastLine(), "", `the file ends where ${what} should be`);
    return t;
  };
  const expect = (symbol: string, after: Token): Token => {
    const t = next(`"${symbol}"`);
    if (t.text !== symbol || t.quoted) throw new CgconfigError(source, t.line, t.text, `expected "${symbol}" after ${JSON.stringify(after.text)}`);
    return t;
  };
  const word = (what: string): Token => {
    const t = next(what);
    if (!t.quoted && "{};=".includes(t.text)) throw new CgconfigError(source, t.line, t.text, `expected ${what}`);
    return t;
  };
  /** A word, or undefined for the "}" that closes the block. */
  const wordOrClose = (what: string): Token | undefined => {
    const t = next(`${what} or "}"`);
    if (t.text === "}" && !t.quoted) return undefined;
    pos--;
    return word(what);
  };
  /** `name = value;` pairs up to the closing brace. */
  const assignments = (): Array<{ name: Token; value: Token }> => {
    const out: Array<{ name: Token; value: Token }> = [];
    for (;;) {
      const t = next('"}"');
      if (t.text === "}" && !t.quoted) return out;
      pos--;
      const name = word("a parameter name");
      const eq = expect("=", name);
      const value = word(`the value of ${name.text}`);
      if (tokens[pos]?.text === "{") throw new CgconfigError(source, eq.line, name.text, "expected a value, not a block");
      expect(";", value);
      out.push({ name, value });
    }
  };

  const groups = new Map<string, GroupDraft>();
  while (pos < tokens.length) {
    const head = word("a section (group)");
    if (head.text === "mount") throw new CgconfigError(source, head.line, "mount", "cgroupkit does not mount hierarchies; mount them first (cgroupkit mounts shows them) and remove the mount section");
    if (head.text === "default") throw new CgconfigError(source, head.line, "default", "default permissions for every group cannot be expressed; give each group its own perm section");
    if (head.text === "template") throw new CgconfigError(source, head.line, "template", "templates (groups made when a rule matches) cannot be expressed; list the groups instead");
    if (head.text !== "group") throw new CgconfigError(source, head.line, head.text, "expected a group section (group NAME { ... })");
    const nameToken = word("the group name");
    const name = nameToken.text.replace(/^\/+|\/+$/g, "");
    if (name === "" || name === ".") throw new CgconfigError(source, nameToken.line, nameToken.text, "the root group's settings cannot be expressed (cgroupkit never writes a hierarchy's root); name a group");
    if (groups.has(name)) throw new CgconfigError(source, nameToken.line, name, `group ${name} is defined twice (first on line ${groups.get(name)!.line})`);
    const draft: GroupDraft = { line: nameToken.line, sections: {}, deviceRules: [] };
    groups.set(name, draft);
    expect("{", nameToken);
    for (;;) {
      const block = wordOrClose("a controller or perm");
      if (!block) break;
      expect("{", block);
      if (block.text === "perm") {
        for (;;) {
          const who = wordOrClose("task or admin");
          if (!who) break;
          if (who.text !== "task" && who.text !== "admin") throw new CgconfigError(source, who.line, who.text, "expected task or admin in perm");
          expect("{", who);
          const owner: { uid?: number; gid?: number; line: number } = { line: who.line };
          for (const { name: key, value } of assignments()) {
            if (key.text === "uid") owner.uid = idOf(value.text, "/etc/passwd", source, key.line, "uid");
            else if (key.text === "gid") owner.gid = idOf(value.text, "/etc/group", source, key.line, "gid");
            else throw new CgconfigError(source, key.line, `${key.text} = ${value.text}`, `file and directory modes (${key.text}) cannot be expressed: cgroupkit gives an owner the files the kernel's delegation rules name, with their modes as they are`);
          }
          if (owner.uid === undefined || owner.gid === undefined) throw new CgconfigError(source, who.line, who.text, "needs both uid and gid");
          if (who.text === "task") draft.taskOwner = owner;
          else draft.adminOwner = owner;
        }
        continue;
      }
      for (const { name: key, value } of assignments()) {
        const where = `${key.text} = ${JSON.stringify(value.text)}`;
        if (block.text === "devices" && (key.text === "devices.allow" || key.text === "devices.deny")) {
          draft.deviceRules.push({ allow: key.text === "devices.allow", rule: value.text, line: key.line });
          continue;
        }
        if (!key.text.startsWith(`${block.text}.`)) throw new CgconfigError(source, key.line, where, `is not a parameter of the ${block.text} controller`);
        if (key.text === "memory.memsw.limit_in_bytes") {
          draft.memsw = { text: value.text, line: key.line };
          continue;
        }
        if (key.text === "memory.oom_control") {
          if (value.text !== "0" && value.text !== "1") throw new CgconfigError(source, key.line, where, "expected 0 or 1");
          (draft.sections.memory ??= {}).oomKillDisable = value.text === "1";
          lines.set(`groups.${name}.memory.oomKillDisable`, key.line);
          continue;
        }
        const target = PARAMETERS[key.text];
        if (!target) throw new CgconfigError(source, key.line, where, `cgroupkit cannot express ${key.text} (it can: ${[...Object.keys(PARAMETERS), "memory.memsw.limit_in_bytes", "memory.oom_control", "devices.allow", "devices.deny"].join(", ")})`);
        const [section, field] = target;
        const v = value.text;
        // cfs_quota_us -1 is the kernel's "no limit".
        (draft.sections[section] ??= {})[field] = key.text === "cpu.cfs_quota_us" && v === "-1" ? "max" : key.text === "memory.limit_in_bytes" && v === "-1" ? "max" : v;
        lines.set(`groups.${name}.${section}.${field}`, key.line);
      }
    }
  }

  return assemble(groups, lines, source);
}

/** The drafts as nested document groups; `at` maps each value's document path to its line. */
function assemble(groups: Map<string, GroupDraft>, at: Map<string, number>, source: string): { plain: Record<string, unknown>; lines: Map<string, number> } {
  const root: Record<string, Record<string, unknown>> = {};
  for (const [name, draft] of groups) {
    const components = name.split("/");
    let level = root;
    let node: Record<string, unknown> = {};
    components.forEach((component, i) => {
      node = (level[component] ??= {}) as Record<string, unknown>;
      if (i < components.length - 1) level = (node.groups ??= {}) as Record<string, Record<string, unknown>>;
    });
    const docPath = `groups.${components.join(".groups.")}`;
    for (const [key, line] of [...at]) {
      if (key.startsWith(`groups.${name}.`)) {
        at.delete(key);
        at.set(`${docPath}.${key.slice(`groups.${name}.`.length)}`, line);
      }
    }
    const { taskOwner: task, adminOwner: admin } = draft;
    if (task && admin && (task.uid !== admin.uid || task.gid !== admin.gid)) {
      throw new CgconfigError(source, admin.line, `task ${task.uid}:${task.gid}, admin ${admin.uid}:${admin.gid}`, "task and admin owners differ; cgroupkit gives one owner (uid:gid) the group and its task files");
    }
    const owner = admin ?? task;
    if (owner) {
      node.owner = `${owner.uid}:${owner.gid}`;
      at.set(`${docPath}.owner`, owner.line);
    }
    Object.assign(node, draft.sections);
    if (draft.memsw) {
      const memory = (node.memory ??= {}) as Record<string, unknown>;
      const { text, line } = draft.memsw;
      if (text === "-1" || text === "max") memory.swap = "max";
      else {
        const limit = memory.max;
        const total = /^\d+$/.test(text) ? BigInt(text) : undefined;
        const max = typeof limit === "string" && /^\d+$/.test(limit) ? BigInt(limit) : undefined;
        if (total === undefined || max === undefined) throw new CgconfigError(source, line, `memory.memsw.limit_in_bytes = ${text}`, "needs byte counts here and a numeric memory.limit_in_bytes in the same group (memsw is memory plus swap)");
        if (total < max) throw new CgconfigError(source, line, `memory.memsw.limit_in_bytes = ${text}`, `is below memory.limit_in_bytes ${max}: it counts memory plus swap`);
        memory.swap = String(total - max);
      }
      at.set(`${docPath}.memory.swap`, line);
    }
    if (draft.deviceRules.length > 0) {
      let policy: DevicePolicy = DevicePolicy.allowAll();
      for (const rule of draft.deviceRules) {
        try {
          policy = DevicePolicy.fromRules([rule], { start: policy });
        } catch (err) {
          throw new CgconfigError(source, rule.line, `${rule.allow ? "devices.allow" : "devices.deny"} = ${JSON.stringify(rule.rule)}`, err instanceof InvalidValueError ? err.reason : (err as Error).message);
        }
      }
      node.devices = policy.toJSON();
      at.set(`${docPath}.devices`, draft.deviceRules[0]!.line);
    }
  }
  return { plain: { version: 1, groups: root }, lines: at };
}

/**
 * cgconfig.conf text as a validated tree document. A value the document refuses is reported at its line.
 * @throws CgconfigError
 * @internal
 */
export function parseCgconfig(text: string, source: string): TreeDocument {
  const { plain, lines: at } = cgconfigToPlain(text, source);
  try {
    return validateTreeDocument(plain, source);
  } catch (err) {
    if (!(err instanceof TreeDocumentError)) throw err;
    let line: number | undefined;
    for (let path = err.at; path !== "" && line === undefined; path = path.slice(0, Math.max(0, path.lastIndexOf(".")))) line = at.get(path);
    throw new CgconfigError(source, line ?? 1, "", err.message.slice(source.length + 2));
  }
}
