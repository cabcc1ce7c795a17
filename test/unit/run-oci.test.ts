// `cgroupkit run --oci FILE`: limits from an OCI linux.resources file, refused beside the limit options.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { runRequest, runVerb } from "../../src/cli/commands/run.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function file(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cgroupkit-oci-cli-"));
  dirs.push(dir);
  const p = path.join(dir, "resources.json");
  fs.writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

const request = (...argv: string[]) => runRequest(parseArgs([...argv, "--", "true"], runVerb.syntax, "run"), {});

describe("run --oci", () => {
  it("takes the limits of a linux.resources object, or of a config.json", () => {
    const r = request("--oci", file({ memory: { limit: 67108864 }, cpu: { shares: 512 }, pids: { limit: 100 } }));
    expect(r.limits).toEqual({ memory: { max: 67108864n }, cpu: { shares: 512n }, pids: { max: 100n } });
    expect(r.devices?.source).toBe("preset libvirt-lxc");
    const config = request("--oci", file({ ociVersion: "1.0.2", linux: { resources: { pids: { limit: 7 }, devices: [{ allow: false, access: "rwm" }] } } }));
    expect(config.limits).toEqual({ pids: { max: 7n } });
    expect(config.devices?.source).toMatch(/linux\.resources\.devices/);
  });

  it("refuses it beside a limit option, beside --devices when it has devices, and bad content in one line", () => {
    const oci = file({ pids: { limit: 10 } });
    expect(() => request("--oci", oci, "--memory", "64M")).toThrow(UsageError);
    expect(() => request("--oci", oci, "--pids", "5", "--cpu-quota", "50%")).toThrow(/give it or --cpu-quota, --pids, not both/);
    expect(() => request("--oci", file({ devices: [{ allow: false, access: "rwm" }] }), "--devices", "container")).toThrow(/give it or --devices, not both/);
    expect(() => request("--oci", file("{ nope"))).toThrow(/not JSON/);
    expect(() => request("--oci", file({ unified: { "memory.max": "1\nmax" } }))).toThrow(/--oci .*unified\["memory\.max"\]: invalid value "1\\nmax"/);
    expect(() => request("--oci", "/nonexistent/r.json")).toThrow(UsageError);
  });
});
