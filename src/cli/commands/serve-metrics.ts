// `cgroupkit serve-metrics`: a Prometheus/OpenMetrics endpoint for every group under a root.
import { openMetricsCollector } from "../../metrics/collector.js";
import { parseListen, startMetricsServer } from "../../metrics/server.js";
import { CgroupError } from "../../runtime/errors.js";
import { UsageError, optionValue } from "../args.js";
import { CliError, groupArg, type CliContext } from "../context.js";
import type { Verb } from "../verb.js";

/** @internal */
export const serveMetricsVerb: Verb = {
  name: "serve-metrics",
  summary: "serve Prometheus/OpenMetrics metrics for every group under a root",
  usage: ["serve-metrics --listen HOST:PORT [--root GROUP]"],
  description:
    "Serves GET /metrics at HOST:PORT: memory (usage, limit, peak, events such as oom_kill), CPU (usage,\n" +
    "user/system, throttling), io (bytes and operations by device), pids (current, limit, events) and PSI\n" +
    "stall totals, for GROUP (default: every group) and every group under it, in each hierarchy that holds\n" +
    "memory, cpu, cpuacct, pids or blkio (v1) and in cgroup2. Each series carries `group` (the path as\n" +
    "/proc/PID/cgroup prints it) and `hierarchy` (the v1 controllers, e.g. memory, or unified for cgroup2),\n" +
    "so on a hybrid host every figure says where it came from. It only reads: files stay open between\n" +
    "scrapes, new groups are picked up and removed ones drop out at the next scrape. Each scrape exports\n" +
    "its own cost (cgroupkit_scrape_files_read, cgroupkit_scrape_duration_seconds, ...).\n" +
    "Prints the URL once listening (PORT 0: a free port); SIGINT or SIGTERM stops it (exit 0).",
  syntax: {
    options: [
      { name: "listen", short: "l", takes: "value", valueName: "HOST:PORT", help: "address to listen on (127.0.0.1:9464, [::1]:9464; 0.0.0.0 exposes it to the network)" },
      { name: "root", short: "r", takes: "value", valueName: "GROUP", help: "export GROUP and the groups under it (default: every group)" },
    ],
    positionals: { min: 0, max: 0 },
  },
  examples: [
    ["cgroupkit serve-metrics --listen 127.0.0.1:9464", "every group on the host, for a local Prometheus"],
    ["cgroupkit serve-metrics --listen 127.0.0.1:9464 --root machine.slice", "one subtree"],
    ["curl -s 127.0.0.1:9464/metrics | grep 'cgroupkit_memory_events_total.*oom_kill'", "OOM kills per group"],
  ],
  async run(ctx: CliContext) {
    const listenText = optionValue(ctx.args, "listen");
    if (listenText === undefined) throw new UsageError("--listen HOST:PORT is required (e.g. --listen 127.0.0.1:9464)");
    const listen = parseListen(listenText);
    if (typeof listen === "string") throw new UsageError(`--listen ${JSON.stringify(listenText)}: ${listen}`);
    const rootText = optionValue(ctx.args, "root");
    const root = rootText === undefined || rootText === "/" ? "" : groupArg(rootText);
    const layout = await ctx.layout();
    let collector;
    try {
      collector = await openMetricsCollector({ layout, root, fs: ctx.fs });
    } catch (err) {
      if (err instanceof CgroupError && err.code === "ENOENT") throw new CliError(err.message);
      throw err;
    }
    let server;
    try {
      server = await startMetricsServer(collector, listen);
    } catch (err) {
      collector.close();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "EADDRINUSE" ? "the address is in use" : code === "EADDRNOTAVAIL" ? "no interface has that address" : code === "EACCES" ? "permission denied (ports below 1024 need privilege)" : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "the host name does not resolve" : (err as Error).message;
      throw new CliError(`cannot listen on ${listenText}: ${why}`);
    }
    if (ctx.json) ctx.printJson({ url: server.url, host: server.address.address, port: server.address.port, root: `/${root}`, hierarchies: collector.hierarchies });
    else ctx.print(`serving metrics of /${root} (${collector.hierarchies.join(" ")}) at ${server.url}`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (sig: NodeJS.Signals) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(sig);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    if (!ctx.json) ctx.print(`stopped (${signal})`);
    return 0;
  },
};
