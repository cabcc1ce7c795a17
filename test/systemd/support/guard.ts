// The systemd suite starts and stops units on the system manager: it must only ever run inside the
// lane's VM, never on a host. Refuse unless this is the VM test/systemd/lane.ts booted.
import * as fs from "node:fs";

const pid1 = fs.readFileSync("/proc/1/comm", "utf8").trim();
if (!process.env.CGROUPKIT_IN_SYSTEMD_VM || pid1 !== "systemd") {
  throw new Error("test/systemd/*.test.ts run only inside the qemu VM with systemd as PID 1 (npm run test:systemd)");
}
