// Fails the run when a cgroup this run created (a testName() group) is left on the host.
import { randomBytes } from "node:crypto";

export function setup(): void {
  // Inherited by the test workers: testName() puts it in every name, and teardown looks for it alone.
  process.env.CGROUPKIT_TEST_RUN ??= `${randomBytes(3).toString("hex")}-`;
}

export async function teardown(): Promise<void> {
  const { leftoverTestGroups, TEST_PREFIX } = await import("./host.js");
  const left = leftoverTestGroups(TEST_PREFIX + (process.env.CGROUPKIT_TEST_RUN ?? ""));
  if (left.length > 0) {
    console.error(`test cgroups left behind on the host:\n  ${left.join("\n  ")}`);
    // vitest 4 logs an error thrown from a global teardown and still exits 0: set the status instead.
    process.exitCode = 1;
  }
}
