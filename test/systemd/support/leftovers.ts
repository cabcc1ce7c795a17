// Global teardown of the systemd suite: fails the lane when a unit or cgroup named cgroupkit… is left.
import { leftoverCgroupkitState } from "./systemd.js";

export function setup(): void {}

export function teardown(): void {
  const left = leftoverCgroupkitState();
  if (left.length === 0) return;
  console.error(`left behind after the systemd suite:\n  ${left.join("\n  ")}`);
  // vitest 4 logs an error thrown here and still exits 0; the exit status is what the lane reads.
  process.exitCode = 1;
}
