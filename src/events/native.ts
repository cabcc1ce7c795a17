// The few libc calls event sources need (eventfd, poll, read, write, close), through koffi, and one
// shared poll(2) that waits for every registered fd on a worker thread.
import { createRequire } from "node:module";
import * as os from "node:os";
import { UnsupportedError } from "../runtime/errors.js";

/** poll(2) event bits (asm-generic/poll.h). */
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const POLLFD_BYTES = 8; // struct pollfd { int fd; short events; short revents; }

interface Libc {
  eventfd(initval: number, flags: number): number;
  poll: { async(fds: Buffer, nfds: number, timeout: number, done: (err: unknown, n: number) => void): void };
  read(fd: number, buffer: Buffer, count: number): number;
  write(fd: number, buffer: Buffer, count: number): number;
  close(fd: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/** koffi and libc, loaded on the first fd-based event source so that importing cgroupkit never needs them. */
function loadLibc(): Libc {
  if (libc) return libc;
  if (process.platform !== "linux") throw new UnsupportedError(`cgroup event sources exist only on Linux, not ${process.platform}`);
  const require = createRequire(import.meta.url);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require("koffi") as typeof import("koffi");
  const lib = koffi.load("libc.so.6");
  const poll = lib.func("int poll(void *fds, unsigned long nfds, int timeout)");
  libc = {
    eventfd: lib.func("int eventfd(unsigned int initval, int flags)") as Libc["eventfd"],
    poll: poll as unknown as Libc["poll"],
    read: lib.func("long read(int fd, void *buf, unsigned long count)") as Libc["read"],
    write: lib.func("long write(int fd, const void *buf, unsigned long count)") as Libc["write"],
    close: lib.func("int close(int fd)") as Libc["close"],
    errno: () => koffi.errno(),
  };
  return libc;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/** The errno name of the last failed libc call. */
export function lastErrno(): string {
  const n = loadLibc().errno();
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

/** A new eventfd (non-blocking, close-on-exec); throws the errno name on failure. */
export function createEventFd(): number {
  const fd = loadLibc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw Object.assign(new Error(`eventfd: ${lastErrno()}`), { code: lastErrno() });
  return fd;
}

/** Read an eventfd's counter (resetting it); 0n when it was not signalled (EAGAIN). */
export function drainEventFd(fd: number): bigint {
  const buffer = Buffer.alloc(8);
  return loadLibc().read(fd, buffer, 8) === 8 ? buffer.readBigUInt64LE(0) : 0n;
}

function signalEventFd(fd: number): void {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  loadLibc().write(fd, one, 8);
}

export function closeFd(fd: number): void {
  loadLibc().close(fd);
}

/** One fd the shared poll waits on; `ready` runs on the main thread with the revents seen. */
interface PollEntry {
  readonly fd: number;
  readonly events: number;
  readonly ready: (revents: number) => void;
}

/**
 * One poll(2) call, on one of koffi's worker threads, waits for every registered fd: each pending
 * async call holds a thread, so sources share it instead of each holding its own. Registering or
 * removing an fd signals a private eventfd, so the pending call returns and is re-issued with the
 * new set. An fd is closed only after the poll that might still hold it has returned. While no fd is
 * registered no call is pending, so an idle process is free to exit.
 */
class SharedPoll {
  private readonly entries = new Map<number, PollEntry>();
  private wakeFd = -1;
  private inFlight = false;
  private toClose: number[] = [];
  /** Poll calls issued, for tests and the benchmark's idle cost. */
  calls = 0;

  add(entry: PollEntry): void {
    if (this.wakeFd < 0) this.wakeFd = createEventFd();
    this.entries.set(entry.fd, entry);
    this.kick();
  }

  /** Stop waiting on `fd`; `close` closes it once no poll can hold it. */
  remove(fd: number, close: boolean): void {
    this.entries.delete(fd);
    if (close) this.toClose.push(fd);
    this.kick();
  }

  private kick(): void {
    if (this.inFlight) signalEventFd(this.wakeFd);
    else this.issue();
  }

  private closePending(): void {
    for (const fd of this.toClose) closeFd(fd);
    this.toClose = [];
  }

  private issue(): void {
    this.closePending();
    if (this.entries.size === 0) return;
    const watched = [...this.entries.values()];
    const fds = Buffer.alloc(POLLFD_BYTES * (watched.length + 1));
    const put = (i: number, fd: number, events: number) => {
      fds.writeInt32LE(fd, i * POLLFD_BYTES);
      fds.writeInt16LE(events, i * POLLFD_BYTES + 4);
    };
    put(0, this.wakeFd, POLLIN);
    watched.forEach((e, i) => put(i + 1, e.fd, e.events));
    this.inFlight = true;
    this.calls++;
    loadLibc().poll.async(fds, watched.length + 1, -1, (err, n) => {
      this.inFlight = false;
      if (fds.readInt16LE(6) !== 0) drainEventFd(this.wakeFd);
      const failed = err !== null && err !== undefined;
      if (!failed && n > 0) {
        watched.forEach((entry, i) => {
          const revents = fds.readInt16LE((i + 1) * POLLFD_BYTES + 6);
          // an entry removed while the poll ran is not told
          if (revents !== 0 && this.entries.get(entry.fd) === entry) entry.ready(revents);
        });
      }
      this.issue();
    });
  }
}

/** The process's shared poll. @internal */
export const sharedPoll = new SharedPoll();
