// Builds the VM's initramfs at run time from installed packages: a newc cpio archive, gzipped.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** One member of the archive. */
export type CpioMember =
  | { readonly kind: "dir"; readonly name: string; readonly mode?: number }
  | { readonly kind: "file"; readonly name: string; readonly data: Buffer; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** A newc ("070701") cpio archive of the members, in order, ended by the TRAILER!!! record. */
export function cpioNewc(members: readonly CpioMember[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const pad4 = () => {
    const rest = (4 - (offset % 4)) % 4;
    if (rest) push(Buffer.alloc(rest));
  };
  const record = (ino: number, name: string, mode: number, nlink: number, data: Buffer) => {
    const nameBytes = Buffer.from(`${name}\0`, "utf8");
    const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    push(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}`, "ascii"));
    push(nameBytes);
    pad4();
    if (data.length) push(data);
    pad4();
  };
  members.forEach((m, i) => {
    const name = m.name.replace(/^\/+/, "");
    if (m.kind === "dir") record(i + 1, name, S_IFDIR | (m.mode ?? 0o755), 2, Buffer.alloc(0));
    else record(i + 1, name, S_IFREG | (m.mode ?? 0o644), 1, m.data);
  });
  record(0, "TRAILER!!!", 0, 1, Buffer.alloc(0));
  return Buffer.concat(parts);
}

export function gzip(data: Buffer): Buffer {
  return gzipSync(data, { level: 1 });
}

/** Kernel modules to load, in load order, as `{ name, file }` (absolute path of the .ko[.gz|.xz|.zst]). */
export interface ModuleFile {
  readonly name: string;
  readonly file: string;
}

/** Module name as the kernel and modules.dep spell it (`-` and `_` are the same). */
function moduleName(relPath: string): string {
  return path.basename(relPath).replace(/\.ko(\.(gz|xz|zst))?$/, "").replace(/-/g, "_");
}

/**
 * Resolve `wanted` modules and their dependencies from `modules.dep`, in an order in which
 * each module's dependencies load first. Modules built into the kernel (`modules.builtin`) need
 * nothing. Throws naming any module the kernel has neither as a file nor built in.
 */
export function resolveModules(modulesDir: string, wanted: readonly string[]): ModuleFile[] {
  const deps = new Map<string, { file: string; deps: string[] }>();
  for (const line of fs.readFileSync(path.join(modulesDir, "modules.dep"), "utf8").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const file = line.slice(0, colon).trim();
    const needs = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    deps.set(moduleName(file), { file, deps: needs.map(moduleName) });
  }
  const builtin = new Set<string>();
  const builtinList = path.join(modulesDir, "modules.builtin");
  if (fs.existsSync(builtinList)) {
    for (const line of fs.readFileSync(builtinList, "utf8").split("\n")) if (line.trim()) builtin.add(moduleName(line.trim()));
  }
  const order: ModuleFile[] = [];
  const seen = new Set<string>();
  const visit = (raw: string) => {
    const name = raw.replace(/-/g, "_");
    if (seen.has(name)) return;
    seen.add(name);
    const entry = deps.get(name);
    if (!entry) {
      if (builtin.has(name)) return;
      throw new Error(`kernel module ${name} is neither in ${modulesDir}/modules.dep nor built in`);
    }
    // modules.dep lists every transitive dependency; loading each one's own dependencies first orders them.
    for (const d of [...entry.deps].reverse()) visit(d);
    order.push({ name, file: path.join(modulesDir, entry.file) });
  };
  for (const w of wanted) visit(w);
  return order;
}

/** A module's bytes, decompressed: busybox insmod takes a plain ELF object. */
export function moduleBytes(file: string): Buffer {
  if (file.endsWith(".ko")) return fs.readFileSync(file);
  if (file.endsWith(".ko.gz")) return gunzipSync(fs.readFileSync(file));
  const tool = file.endsWith(".ko.xz") ? "xz" : file.endsWith(".ko.zst") ? "zstd" : undefined;
  if (!tool) throw new Error(`${file}: unknown module compression`);
  try {
    return execFileSync(tool, ["-dc", file], { maxBuffer: 256 << 20 });
  } catch (err) {
    throw new Error(`${file} is ${tool}-compressed and \`${tool} -dc\` failed (apt-get install -y ${tool === "xz" ? "xz-utils" : "zstd"}): ${(err as Error).message}`);
  }
}

/** Whether an ELF executable is statically linked (no PT_INTERP program header). */
export function isStaticElf(file: string): boolean {
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return false; // ELF64 little-endian only
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const type = b.readUInt32LE(phoff + i * phentsize);
    if (type === 3) return false; // PT_INTERP
  }
  return true;
}

/**
 * Write a gzipped initramfs: a static busybox, `/init`, the modules (decompressed) as
 * `/mods/<name>.ko`, the usual empty mount points plus `extraDirs`, and `extraFiles`.
 */
export function writeBusyboxInitramfs(
  file: string,
  parts: { readonly busybox: string; readonly modules: readonly ModuleFile[] },
  init: string,
  extraDirs: readonly string[] = [],
  extraFiles: readonly { readonly name: string; readonly data: Buffer; readonly mode?: number }[] = [],
): void {
  const members: CpioMember[] = [
    ...["bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "host", "mods", ...extraDirs].map((name) => ({ kind: "dir" as const, name })),
    { kind: "file", name: "bin/busybox", data: fs.readFileSync(parts.busybox), mode: 0o755 },
    { kind: "file", name: "init", data: Buffer.from(init), mode: 0o755 },
    ...parts.modules.map((m) => ({ kind: "file" as const, name: `mods/${m.name}.ko`, data: moduleBytes(m.file) })),
    ...extraFiles.map((f) => ({ kind: "file" as const, ...f })),
  ];
  fs.writeFileSync(file, gzip(cpioNewc(members)));
}
