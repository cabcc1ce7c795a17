// The `cgroupkit` CLI's entry (bundled into dist/cli/cli.cjs; see codegen/bundle-cli.ts).
import { writeSync } from "node:fs";
import { main } from "./cli.js";

/**
 * Output straight to the file descriptor: node's stdout and stderr are synchronous on Linux anyway,
 * and not building the stream objects saves a few ms per invocation. A non-blocking descriptor
 * (EAGAIN) hands the rest, and everything after it, to the stream, so order is kept.
 */
function writer(fd: 1 | 2, streamOf: () => NodeJS.WriteStream): (text: string) => void {
  let useStream = false;
  return (text) => {
    if (useStream) return void streamOf().write(text);
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A reader that went away (`cgroupkit get … | head -1`) is not an error of ours.
      if (code === "EPIPE") process.exit(process.exitCode ?? 0);
      if (code !== "EAGAIN") throw err;
      useStream = true;
      const stream = streamOf();
      stream.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
        throw e;
      });
      stream.write(bytes.subarray(offset));
    }
  };
}

// No top-level await: the bundle is CommonJS.
void main(process.argv.slice(2), { stdout: writer(1, () => process.stdout), stderr: writer(2, () => process.stderr) }).then((code) => {
  process.exitCode = code;
});
