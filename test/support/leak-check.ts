// Fails the run when a test-owned cgroup is left on the host.
import { leftoverTestGroups } from "./host.js";

export function teardown(): void {
  const left = leftoverTestGroups();
  if (left.length > 0) {
    throw new Error(`test cgroups left behind on the host:\n  ${left.join("\n  ")}`);
  }
}
