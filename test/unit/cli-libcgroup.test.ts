// libcgroup's option forms, parsed: -g CONTROLLERS:PATH, UID:GID owners, bundled flags, a command after -g.
import { describe, expect, it } from "vitest";
import { parseArgs, type VerbSyntax } from "../../src/cli/args.js";
import { hostFileName } from "../../src/cli/control-files.js";
import { ownerArg, parseGroupSpec, singleGroupSpec } from "../../src/cli/libcgroup.js";
import type { CgroupLayout } from "../../src/cgroup/mounts.js";

const memoryV1 = { version: "v1", controllers: ["memory"], mountPoint: "/sys/fs/cgroup/memory", root: "/", mounts: [] } as unknown as CgroupLayout["v1"][number];
const v2 = { version: "v2", controllers: ["cpu", "pids"], mountPoint: "/sys/fs/cgroup/unified", root: "/", mounts: [] } as unknown as NonNullable<CgroupLayout["v2"]>;
const hybrid: CgroupLayout = { kind: "hybrid", hierarchies: [memoryV1, v2], v1: [memoryV1], v2 };
const pureV2: CgroupLayout = { kind: "v2", hierarchies: [{ ...v2, controllers: ["memory", "cpu", "pids"] } as typeof v2], v1: [], v2: { ...v2, controllers: ["memory", "cpu", "pids"] } as typeof v2 };

describe("libcgroup forms", () => {
  it("parses -g CONTROLLERS:PATH and refuses malformed ones with what to type", () => {
    expect(parseGroupSpec(hybrid, "memory,pids:/a/b", "exec")).toEqual({ group: "a/b", controllers: ["memory", "pids"] });
    expect(parseGroupSpec(hybrid, "*:a", "exec")).toEqual({ group: "a", controllers: undefined });
    expect(() => parseGroupSpec(hybrid, "a", "exec")).toThrow(/expected CONTROLLERS:PATH, e.g. -g memory,cpu:web/);
    expect(() => parseGroupSpec(hybrid, "memory:", "exec")).toThrow(/no group after ":"/);
    expect(() => parseGroupSpec(hybrid, "nosuch:a", "exec")).toThrow(/controller "nosuch" is not available on this host/);
    expect(singleGroupSpec([{ group: "a", controllers: ["memory"] }, { group: "a", controllers: ["pids"] }], "exec")).toEqual({ group: "a", controllers: ["memory", "pids"] });
    expect(() => singleGroupSpec([{ group: "a", controllers: ["memory"] }, { group: "b", controllers: ["pids"] }], "exec")).toThrow(/-g names 2 groups/);
  });

  it("takes UID:GID owners as numbers only", () => {
    expect(ownerArg("-a", "1000:1001", "create")).toEqual({ uid: 1000, gid: 1001 });
    expect(() => ownerArg("-a", "4294967295:0", "create")).toThrow(/from 0 to 4294967294/);
    expect(() => ownerArg("-t", "alice:staff", "create")).toThrow(/\$\(id -u USER\)/);
    expect(() => ownerArg("-t", "1000", "create")).toThrow(/expected UID:GID/);
  });

  it("parses bundled flags (-nv) and a command that starts right after -g", () => {
    const syntax: VerbSyntax = {
      options: [
        { name: "n", short: "n", takes: "flag", help: "" },
        { name: "v", short: "v", takes: "flag", help: "" },
        { name: "cgroup", short: "g", takes: "value", repeat: true, help: "" },
      ],
      commandAfter: (values) => ((values.get("cgroup") ?? []).length > 0 ? 0 : 1),
      positionals: { min: 0, max: 1 },
    };
    expect([...parseArgs(["-nv", "x", "cmd"], syntax, "t").flags].sort()).toEqual(["n", "v"]);
    expect(parseArgs(["-g", "memory:a", "sh", "-c", "true"], syntax, "t")).toMatchObject({ positionals: [], command: ["sh", "-c", "true"] });
    expect(parseArgs(["a", "sh", "-c", "true"], syntax, "t")).toMatchObject({ positionals: ["a"], command: ["sh", "-c", "true"] });
    expect(() => parseArgs(["-nx", "x", "cmd"], syntax, "t")).toThrow(/unknown option -nx/);
  });

  it("names a file as the host binds its controller", () => {
    expect(hostFileName(hybrid, "memory.max")).toBe("memory.limit_in_bytes");
    expect(hostFileName(pureV2, "memory.max")).toBe("memory.max");
    expect(hostFileName(pureV2, "memory.limit_in_bytes")).toBe("memory.max");
    expect(hostFileName(hybrid, "pids.max")).toBe("pids.max");
  });
});
