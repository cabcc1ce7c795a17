// The escape attempts of issue #11, as root inside `cgroupkit run`: one shell script, shared by the
// host (v1) and VM (cgroup2, eBPF) lanes. Each attempt runs in its own child process, so a move
// that works takes only that child out, and prints `name: ok` or `name: denied <why>`.
//
// Environment: CGK_GROUP the run's (outer) group, CGK_PARENT the group above it (test-owned),
// CGK_NODE a node of a denied device made outside, CGK_SCRATCH a directory for mknod,
// CGK_ROOT_MOVES=1 to also try the hierarchy roots' cgroup.procs (only where a write there is
// harmless to others: confined on the host, anything in the VM).
export const ESCAPE_SCRIPT = String.raw`
launcher=$PPID
try() { name=$1; shift; if out=$("$@" 2>&1); then echo "$name: ok"; else echo "$name: denied $(echo "$out" | tr '\n' ' ')"; fi; }
dev= mem= v2=
while read -r _ m t o _; do
  case $t in
    cgroup2) v2=$m ;;
    cgroup) case ",$o," in *,devices,*) dev=$m ;; esac; case ",$o," in *,memory,*) mem=$m ;; esac ;;
  esac
done < /proc/self/mounts
echo "cgroup-self: $(grep -E '^0::|:devices:|:memory:' /proc/self/cgroup | cut -d: -f3 | sort -u | tr '\n' ' ')"
devices_dir=${"$"}{dev:-$v2}
leaf=$(cd "$devices_dir/$CGK_GROUP" && ls -d run-* | head -n 1)
echo "leaf: $leaf"
if [ -n "$dev" ]; then
  try allow-leaf sh -c "echo 'b 7:0 rwm' > '$dev/$CGK_GROUP/$leaf/devices.allow'"
  try allow-outer sh -c "echo 'b 7:0 rwm' > '$dev/$CGK_GROUP/devices.allow'"
  try child-mkdir mkdir "$dev/$CGK_GROUP/$leaf/escape"
  try child-widen sh -c "echo 'b 7:0 rwm' > '$dev/$CGK_GROUP/$leaf/escape/devices.allow'"
else
  try child-mkdir mkdir "$v2/$CGK_GROUP/$leaf/escape"
  try child-enter sh -c "echo \$\$ > '$v2/$CGK_GROUP/$leaf/escape/cgroup.procs'"
  # A group of its own below the leaf: the outer group's device program still applies there.
  try child-widen sh -c "echo \$\$ > '$v2/$CGK_GROUP/$leaf/escape/cgroup.procs' && head -c 1 '$CGK_NODE' > /dev/zero"
fi
for h in $dev $mem $v2; do
  label=$(basename "$h")
  try "move-parent-$label" sh -c "echo \$\$ > '$h/$CGK_PARENT/cgroup.procs'"
  [ "$CGK_ROOT_MOVES" = 1 ] && try "move-root-$label" sh -c "echo \$\$ > '$h/cgroup.procs'"
done
# Out of the device ACL's group, the denied device opens: what a move that works buys. (To the root
# where allowed: a cgroup2 parent with controllers enabled holds no processes.)
[ "$CGK_ROOT_MOVES" = 1 ] && out_of=$devices_dir || out_of=$devices_dir/$CGK_PARENT
try escape-open sh -c "echo \$\$ > '$out_of/cgroup.procs' && head -c 1 '$CGK_NODE' > /dev/zero"
[ "$CGK_ROOT_MOVES" = 1 ] && via=${"$"}{mem:-$v2} || via=${"$"}{mem:-$v2}/$CGK_PARENT
try proc-root sh -c "echo \$\$ > '/proc/$launcher/root$via/cgroup.procs'"
try remount-rw mount -o remount,bind,rw "$devices_dir"
try mknod-denied mknod "$CGK_SCRATCH/escape-$$" b 7 0
try open-denied head -c 1 "$CGK_NODE"
try open-allowed sh -c "head -c 1 /dev/zero | od -An -c"
# The limit still holds for what stayed: a memory hog in the group is OOM-killed.
try memory-hog tail /dev/zero
# Last, as it lifts the limit where it works: the outer group's memory limit itself.
if [ -n "$mem" ]; then try limit-outer sh -c "echo -1 > '$mem/$CGK_GROUP/memory.memsw.limit_in_bytes' && echo -1 > '$mem/$CGK_GROUP/memory.limit_in_bytes'"; else try limit-outer sh -c "echo max > '$v2/$CGK_GROUP/memory.max'"; fi
echo "done"
`;

/** `name: ok|denied …` lines as a record of name → "ok" | "denied". */
export function escapeResults(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^([a-z0-9-]+): (.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).startsWith("denied") ? "denied" : (m[2] as string).startsWith("ok") ? "ok" : (m[2] as string);
  }
  return out;
}
