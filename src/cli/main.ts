#!/usr/bin/env node
// The `cgroupkit` executable.
import { main } from "./cli.js";

process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  // A reader that went away (`cgroupkit get … | head -1`) is not an error of ours.
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
