// `npm test`: the host suite (unit, fake-fs, real kernel), then the qemu lanes (busybox v2, then
// systemd as PID 1); one closing line for CI with every count.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const tempDir = path.join(root, "temp");
fs.mkdirSync(tempDir, { recursive: true });

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status ?? 1;
}

function hostSuite(extraArgs: string[]): Counts & { status: number } {
  const report = path.join(tempDir, "vitest.json");
  fs.rmSync(report, { force: true });
  const status = run(process.execPath, [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...extraArgs,
  ]);
  if (!fs.existsSync(report)) return { status: status || 1, passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(fs.readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { status, passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

/** A qemu lane (test/<name>/lane.ts), whose counts arrive in temp/<resultName>.json. */
function qemuLane(script: string, resultName: string): Counts & { status: number } {
  const result = path.join(tempDir, `${resultName}.json`);
  fs.rmSync(result, { force: true });
  const status = run(process.execPath, ["node_modules/tsx/dist/cli.mjs", script]);
  if (!fs.existsSync(result)) return { status: status || 1, passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(fs.readFileSync(result, "utf8")) as Counts;
  return { status, ...r };
}

const args = process.argv.slice(2);
const onlyHost = args.includes("--host-only");
const suites = [hostSuite(args.filter((a) => a !== "--host-only"))];
for (const [script, resultName] of [["test/vm/lane.ts", "vm-result"], ["test/systemd/lane.ts", "systemd-result"]] as const) {
  if (!onlyHost && fs.existsSync(path.join(root, script))) suites.push(qemuLane(script, resultName));
}

const total = suites.reduce((a, s) => ({ passed: a.passed + s.passed, failed: a.failed + s.failed, skipped: a.skipped + s.skipped }), { passed: 0, failed: 0, skipped: 0 });
// In CI every test must run: a skipped host or VM test would be a pass that proved nothing.
const skippedInCi = process.env.CI === "true" && total.skipped > 0;
if (skippedInCi) console.error(`${total.skipped} tests were skipped; in CI every test must run (root, qemu and the kernel are installed there).`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
process.exitCode = suites.some((s) => s.status !== 0) || total.failed > 0 || skippedInCi ? 1 : 0;
