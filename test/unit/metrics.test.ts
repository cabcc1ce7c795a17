// serve-metrics' pure parts: --listen parsing, format negotiation, and prom-client's text for our samples.
import { describe, expect, it } from "vitest";
import { FAMILIES, SCRAPE_FAMILIES, type MetricSample } from "../../src/metrics/collector.js";
import { createExposition, negotiateFormat } from "../../src/metrics/exposition.js";
import { parseListen } from "../../src/metrics/server.js";

describe("parseListen", () => {
  it("takes HOST:PORT, [IPv6]:PORT and host names", () => {
    expect(parseListen("127.0.0.1:9464")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListen("0.0.0.0:9464")).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(parseListen("metrics.example-1.net:80")).toEqual({ host: "metrics.example-1.net", port: 80 });
  });
  it("says what is wrong with anything else", () => {
    for (const bad of ["", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "::1:9464", "[::1]", "a b:1", "h/st:1", "127.0.0.1:123456"]) {
      expect(typeof parseListen(bad), bad).toBe("string");
    }
    expect(parseListen("127.0.0.1:65536")).toBe("port 65536 is out of range (0-65535)");
    expect(parseListen("h_st:1")).toMatch(/neither an address nor a host name/);
  });
});

describe("exposition", () => {
  it("negotiates OpenMetrics only when the Accept header names it", () => {
    expect(negotiateFormat(undefined)).toBe("prometheus");
    expect(negotiateFormat("text/plain;version=0.0.4;q=0.5,*/*;q=0.1")).toBe("prometheus");
    expect(negotiateFormat("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5")).toBe("openmetrics");
  });

  const samples: MetricSample[] = [
    { family: FAMILIES.memoryLimit, labels: { group: '/we"ird\\name', hierarchy: "memory" }, value: Infinity },
    { family: FAMILIES.memoryEvents, labels: { group: "/a", hierarchy: "unified", event: "oom_kill" }, value: 3 },
    { family: FAMILIES.memoryEvents, labels: { group: "/a", hierarchy: "unified", event: "max" }, value: 0 },
    { family: SCRAPE_FAMILIES.files, labels: {}, value: 17 },
  ];

  it("writes Prometheus text 0.0.4: escaped labels, +Inf, counters as totals", async () => {
    const e = await createExposition("prometheus");
    expect(e.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await e.render(samples);
    expect(text).toContain('cgroupkit_memory_limit_bytes{group="/we\\"ird\\\\name",hierarchy="memory"} +Inf\n');
    expect(text).toContain("# TYPE cgroupkit_memory_events_total counter\n");
    expect(text).toContain('cgroupkit_memory_events_total{group="/a",hierarchy="unified",event="oom_kill"} 3\n');
    expect(text).toContain('cgroupkit_memory_events_total{group="/a",hierarchy="unified",event="max"} 0\n');
    expect(text).toContain("cgroupkit_scrape_files_read 17\n");
  });

  it("starts every render empty (a group that went away leaves no series) and totals are not summed across renders", async () => {
    const e = await createExposition("prometheus");
    await e.render(samples);
    const text = await e.render(samples.slice(1, 2));
    expect(text).toContain('event="oom_kill"} 3\n');
    expect(text).not.toContain("/we");
    expect(text).not.toContain('event="max"');
  });

  it("writes OpenMetrics with _total samples under the counter's base name and # EOF", async () => {
    const e = await createExposition("openmetrics");
    expect(e.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await e.render(samples);
    expect(text).toContain("# TYPE cgroupkit_memory_events counter\n");
    expect(text).toContain('cgroupkit_memory_events_total{group="/a",hierarchy="unified",event="oom_kill"} 3\n');
    expect(text.endsWith("# EOF\n")).toBe(true);
  });
});
