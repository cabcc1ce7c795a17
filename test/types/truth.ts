// Type-level facts about the public API, checked by `npm run typecheck` (tsconfig includes test/): each
// `@ts-expect-error` line must be an error, or the directive itself is one. Never run; only compiled.
// test/unit/types.test.ts compiles the same mistakes without the directives and checks TypeScript's messages.
import { Cgroup, type ControllerName, type CoreV2, type MemoryV2, type V2ControllerName } from "../../src/index.js";

export async function v2AccessorsAreOptional(cg: Cgroup): Promise<void> {
  // @ts-expect-error cg.v2.memory is possibly undefined: the controller may not be enabled for the group
  await cg.v2.memory.max.read();
  await cg.v2.memory?.max.read();
  const memory: MemoryV2 | undefined = cg.v2.memory;
  // @ts-expect-error not MemoryV2 alone
  const always: MemoryV2 = cg.v2.memory;
  // core and base are always there
  const core: CoreV2 = cg.v2.core;
  await cg.v2.base.cpu.stat.read();
  // requireV2 narrows (it throws ControllerNotEnabledError instead of returning undefined)
  const required: MemoryV2 = cg.requireV2("memory");
  // @ts-expect-error base has cgroup core's files only, not the controller's limits
  void cg.v2.base.cpu.max;
  void [memory, always, core, required];
}

export async function controllerNamesAreChecked(): Promise<void> {
  await Cgroup.create("web", { controllers: ["memory", "cpu", "name=systemd", "perf_event"] });
  // @ts-expect-error "memroy" is not a controller name
  await Cgroup.create("web", { controllers: ["memroy"] });
  // @ts-expect-error nor a string that might be anything
  await Cgroup.open("web", { controllers: ["memory" as string] });
  // @ts-expect-error blkio is the v1 name (cgroup2 calls it io): requireV2 takes v2 names only
  void (null as unknown as Cgroup).requireV2("blkio");
  const cg = await Cgroup.open("web");
  await cg.v2.core.subtreeControl.write({ enable: ["memory", "pids"] });
  // @ts-expect-error subtree_control takes v2 controller names
  await cg.v2.core.subtreeControl.write({ enable: ["memroy"] });
  // reads stay string: a newer kernel may print a controller the spec lacks
  const read: string[] = await cg.v2.core.controllers.read();
  // @ts-expect-error so a read is not the union
  const narrow: V2ControllerName[] = await cg.v2.core.controllers.read();
  // a lookup takes any name (it answers undefined for one the host lacks)
  void cg.placement(read[0] ?? "memory");
  const name: ControllerName = "name=elogind";
  void [narrow, name];
}
