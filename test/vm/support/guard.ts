// The v2 suite writes the root cgroup's own files (subtree_control): it must only ever run inside
// the lane's VM, never on a host. Refuse unless this is the VM the lane booted.
import * as fs from "node:fs";

const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n");
const cgroupMounts = mountinfo.map((l) => l.split(" - ")).filter(([, fsPart]) => /^cgroup2? /.test(fsPart ?? ""));
const pureV2AtSysFs = cgroupMounts.length === 1 && cgroupMounts[0]?.[0]?.split(" ")[4] === "/sys/fs/cgroup" && cgroupMounts[0]?.[1]?.startsWith("cgroup2 ");
if (!process.env.CGROUPKIT_IN_VM || !pureV2AtSysFs) {
  throw new Error("test/vm/*.test.ts run only inside the qemu VM (npm run test:vm): they change the root cgroup");
}
