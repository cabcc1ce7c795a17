// Kernel cgroup events: counters that changed (watch), PSI triggers (pressure), and waits driven by them (waitFor).
export { CgroupEventStream, watch, watchEmitter, type CgroupEvent, type CgroupEventSource, type CgroupEventState, type WatchOptions, type WatchedGroup, type WatchScope } from "./watch.js";
export { pressure, type PressureEvent, type PressureOptions, type PressureResource } from "./pressure.js";
export { waitFor, WaitTimeoutError, type WaitOptions } from "./wait.js";
