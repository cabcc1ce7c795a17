// The guides' test conventions (docs/guides/README.md): fenced blocks with info strings, and expected output
// matched with `...` wildcards. Pure functions, so the test can also prove that they fail when they should.

/** One fenced block of a guide. */
export interface GuideBlock {
  /** The first word of the info string: `ts`, `sh`, `yaml`, `text`. */
  readonly lang: string;
  /** The other words without `=`: `runnable`, `output`, `norun`. */
  readonly flags: ReadonlySet<string>;
  /** The words `key=value`: `file=launcher.ts`, `exit=1`, `timeout=300`. */
  readonly attrs: Readonly<Record<string, string>>;
  /** The block's text, with the fence's indentation removed, ending in a newline. */
  readonly code: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

/** A guide's blocks and the `<!-- guide-test: key=value … -->` settings. */
export interface ParsedGuide {
  readonly settings: Readonly<Record<string, string>>;
  readonly blocks: readonly GuideBlock[];
}

/** Every fenced block (``` at any indentation, closed by ``` at the same indentation) and the guide-test comment. */
export function parseGuide(markdown: string): ParsedGuide {
  const lines = markdown.split("\n");
  const blocks: GuideBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const words = open[2]!.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trimEnd() !== `${indent}\`\`\``; j++) body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
    if (j >= lines.length) throw new Error(`line ${i + 1}: a fence that is never closed`);
    const attrs: Record<string, string> = {};
    const flags = new Set<string>();
    for (const w of words.slice(1)) {
      const eq = w.indexOf("=");
      if (eq > 0) attrs[w.slice(0, eq)] = w.slice(eq + 1);
      else flags.add(w);
    }
    blocks.push({ lang: words[0] ?? "", flags, attrs, code: body.join("\n") + "\n", line: i + 1 });
    i = j;
  }
  const settings: Record<string, string> = {};
  const comment = /<!--\s*guide-test:([^]*?)-->/.exec(markdown);
  for (const w of comment?.[1]?.trim().split(/\s+/).filter(Boolean) ?? []) {
    const eq = w.indexOf("=");
    settings[eq > 0 ? w.slice(0, eq) : w] = eq > 0 ? w.slice(eq + 1) : "true";
  }
  return { settings, blocks };
}

/** One step of a guide: a runnable block and the output block right after it, if any. */
export interface GuideStep {
  readonly block: GuideBlock;
  readonly expected?: GuideBlock;
}

/**
 * The steps in order. Every `ts`/`sh`/`bash` block must say what it is (`runnable`, or `norun` for a block that
 * cannot run here, e.g. a systemd-only command), so no example is skipped by accident; an `output` block must follow
 * a runnable one.
 */
export function guideSteps(guide: ParsedGuide): GuideStep[] {
  const steps: GuideStep[] = [];
  const { blocks } = guide;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.flags.has("output")) throw new Error(`line ${b.line}: an output block that follows no runnable block`);
    if (["ts", "sh", "bash"].includes(b.lang) && !b.flags.has("runnable") && !b.flags.has("norun")) {
      throw new Error(`line ${b.line}: a ${b.lang} block that is neither runnable nor norun`);
    }
    if (!b.flags.has("runnable")) continue;
    const next = blocks[i + 1];
    if (next?.flags.has("output")) {
      if (b.attrs.file !== undefined) throw new Error(`line ${next.line}: output after a file block (a file is written, not run)`);
      steps.push({ block: b, expected: next });
      i++;
    } else steps.push({ block: b });
  }
  return steps;
}

/**
 * What a step printed, as the guide shows it: ANSI colours dropped, the test's group prefix mapped back to the
 * `demo-` the reader sees, trailing spaces and blank lines at the ends removed.
 */
export function normaliseOutput(text: string, prefix?: string): string {
  let t = text.replace(/\r/g, "").replace(/\x1b\[[0-9;]*m/g, "");
  if (prefix) t = t.split(`${prefix}-`).join("demo-");
  return t
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/^\n+/, "")
    .replace(/\n+$/, "");
}

/**
 * Whether `actual` is what `expected` shows. Both are compared whole, line by line: a line that is `...` alone
 * stands for any number of lines (none included); `...` inside a line for any text within that line; everything
 * else is literal. Returns undefined on a match, else a message with both texts.
 */
export function matchOutput(expected: string, actual: string): string | undefined {
  const want = normaliseOutput(expected);
  const got = normaliseOutput(actual);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  let source = "";
  for (const line of want.split("\n")) {
    source += line === "..." ? "(?:[^\\n]*\\n)*?" : line.split("...").map(escape).join("[^\\n]*?") + "\\n";
  }
  if (new RegExp(`^${source}$`).test(got + "\n")) return undefined;
  return `output differs from the guide\n--- expected (... is a wildcard)\n${want}\n--- actual\n${got}`;
}
