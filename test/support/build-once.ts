// Builds the CLI once, before any test worker starts (test files spawn it in parallel).
import { ensureBuilt } from "./cli.js";

export function setup(): void {
  ensureBuilt();
}
