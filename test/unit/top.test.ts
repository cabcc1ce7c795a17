// `top`'s screen without a host: column widths, truncation, the memory bar, the source note and sorting.
import { describe, expect, it } from "vitest";
import { compactBytes, renderFrame, truncatePath, type RenderOptions } from "../../src/top/render.js";
import { sortRows, type TopFrame, type TopRow } from "../../src/top/sampler.js";

const row = (name: string, over: Partial<TopRow> = {}): TopRow => ({
  name,
  hierarchies: ["memory", "cgroup2"],
  sources: { memory: "v1", cpu: "v1", pids: "v1", pressure: "v2" },
  pids: { current: 3n, max: 100n, maxHits: 5n, maxHitsDelta: 2n },
  cpu: { usageUsec: 10n, percent: 12.5 },
  memory: { current: 16n << 20n, max: 64n << 20n, fraction: 0.25, oomKills: 1n, oomKillsDelta: 1n },
  pressure: { memory: { some: 1.5, full: 0.25 } },
  ...over,
});
const frame = (rows: TopRow[]): TopFrame => ({ time: new Date("2026-01-01T10:20:30Z"), rows, appeared: 0, vanished: 0, cost: { files: 1, micros: 1 } });
const options: RenderOptions = { width: 80, color: false, bar: true, order: "cpu", psi: "memory", root: "/", intervalSeconds: 1 };

describe("top rendering", () => {
  it("compact bytes fit 5 characters; paths keep their tail", () => {
    expect([0, 512, 1536, 16 << 20, 640 << 20, 1023.9 * (1 << 20), 3 * 2 ** 40].map(compactBytes)).toEqual(["0B", "512B", "1.5K", "16.0M", "640M", "1023M", "3.0T"]);
    expect(truncatePath("/a/very/long/group/name", 10)).toBe("…roup/name");
    expect(truncatePath("/short", 10)).toBe("/short");
  });

  it("a frame fits 80 columns, with the bar, the figures and the header marking the sort key", () => {
    const lines = renderFrame(frame([row("x".repeat(60))]), [row("x".repeat(60))], options);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe("top /  every 1s  10:20:30  1 group");
    expect(lines[1]).toBe("from: mem v1 · cpu v1 · pids v1 · PSI cgroup2 · PSI=memory avg10");
    expect(lines[2]).toMatch(/^GROUP\s+PIDS\/MAX CPU%▼/);
    expect(lines[3]).toBe(`…${"x".repeat(18)}     3/100  12.5  16.0M █▎··· 64.0M     -   1.5/0.3    1    2`);
    const plain = renderFrame(frame([row("g")]), [row("g")], { ...options, bar: false, width: 120 });
    expect(plain[3]).toMatch(/^\/g {2,}.* 25% {2}64\.0M /);
    expect(Math.max(...plain.map((l) => l.length))).toBeLessThanOrEqual(120);
  });

  it("a column read from both versions names the common one and marks the others with *", () => {
    const rows = [row("a"), row("b"), row("c", { sources: { memory: "v1", cpu: "v2", pids: "v1", pressure: "v2" } })];
    const lines = renderFrame(frame(rows), rows, options);
    expect(lines[1]).toMatch(/^from: mem v1 · cpu v1 \(\*=cgroup2\) · pids v1/);
    expect(lines.find((l) => l.startsWith("/c"))).toMatch(/ 12\.5\* /);
    expect(lines.find((l) => l.startsWith("/a"))).toMatch(/ 12\.5 /);
  });

  it("colour only when asked; the height limits the rows", () => {
    const rows = [row("a"), row("b"), row("c")];
    expect(renderFrame(frame(rows), rows, options).join("\n")).not.toMatch(/\x1b/);
    const coloured = renderFrame(frame(rows), rows, { ...options, color: true, height: 5 });
    expect(coloured).toHaveLength(5);
    expect(coloured[2]).toMatch(/^\x1b\[7m/);
    expect(coloured[3]).toMatch(/\x1b\[32m█▎··· 64\.0M\x1b\[0m/);
  });

  it("sorts by a figure descending (groups without it last), by path ascending", () => {
    const rows = [row("b", { cpu: { usageUsec: 1n, percent: 5 } }), row("a", { cpu: { usageUsec: 1n } }), row("c", { cpu: { usageUsec: 1n, percent: 50 } })];
    expect(sortRows(rows, "cpu").map((r) => r.name)).toEqual(["c", "b", "a"]);
    expect(sortRows(rows, "path").map((r) => r.name)).toEqual(["a", "b", "c"]);
  });
});
