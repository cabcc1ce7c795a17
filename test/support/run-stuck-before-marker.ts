// `cgroupkit run ARGS...` in this process, stopped for good right before the marker leaf's mkdir
// (it prints "stuck" and waits to be SIGKILLed): the state a kill between the outer group's mkdir
// and the leaf's leaves behind. Run with tsx by the host tests.
import { main } from "../../src/cli/cli.js";
import { nodeCgroupFs, type CgroupFs } from "../../src/runtime/fs.js";

const stuckFs: CgroupFs = {
  readFile: (p) => nodeCgroupFs.readFile(p),
  readFileSync: (p) => nodeCgroupFs.readFileSync(p),
  writeFile: (p, d) => nodeCgroupFs.writeFile(p, d),
  writeFileSync: (p, d) => nodeCgroupFs.writeFileSync(p, d),
  rmdir: (p) => nodeCgroupFs.rmdir(p),
  readdir: (p) => nodeCgroupFs.readdir(p),
  stat: (p) => nodeCgroupFs.stat(p),
  chown: (p, u, g) => nodeCgroupFs.chown(p, u, g),
  statfs: (p) => nodeCgroupFs.statfs!(p),
  mkdir: (p) => {
    if (!/\/run-\d+-\d+$/.test(p)) return nodeCgroupFs.mkdir(p);
    process.stdout.write("stuck\n");
    setInterval(() => undefined, 60_000); // keep the process alive until the test kills it
    return new Promise<void>(() => undefined);
  },
};

void main(
  process.argv.slice(2),
  {
    stdout: (t: string) => void process.stdout.write(t),
    stderr: (t: string) => void process.stderr.write(t),
  },
  stuckFs
);
