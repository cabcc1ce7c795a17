// An HTTP endpoint for a metrics collector: GET /metrics scrapes once and answers the exposition
// text. Scrapes run one at a time (the collector's snapshot and buffers are shared).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsCollector } from "./collector.js";
import { createExposition, negotiateFormat, type Exposition, type ExpositionFormat } from "./exposition.js";

/** A running metrics server. @internal */
export interface MetricsServer {
  /** Where it listens (the port the kernel chose when 0 was asked for). */
  readonly address: AddressInfo;
  /** The URL scrapers use. */
  readonly url: string;
  /** Stop listening, end open connections, and close the collector. */
  close(): Promise<void>;
}

/** A listen address as typed: `HOST:PORT`, `[IPv6]:PORT`. @internal */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parse `--listen`: `127.0.0.1:9464`, `[::1]:9464`, `localhost:0` (0: any free port).
 * @returns the address, or a sentence saying what is wrong with it
 * @internal
 */
export function parseListen(text: string): ListenAddress | string {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return "expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464";
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  if (m[2] !== undefined && !/^[A-Za-z0-9.-]+$/.test(host)) return `host ${JSON.stringify(host)} is neither an address nor a host name`;
  return { host, port };
}

/** Listen on `listen` and serve the collector's scrapes. @internal */
export async function startMetricsServer(collector: MetricsCollector, listen: ListenAddress): Promise<MetricsServer> {
  const expositions = new Map<ExpositionFormat, Promise<Exposition>>();
  let queue: Promise<unknown> = Promise.resolve();

  const serveMetrics = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const format = negotiateFormat(req.headers.accept);
    let exposition = expositions.get(format);
    if (exposition === undefined) expositions.set(format, (exposition = createExposition(format)));
    const turn = queue.then(async () => {
      const scrape = await collector.scrape();
      return (await exposition).render(scrape.samples);
    });
    queue = turn.catch(() => undefined);
    try {
      const body = await turn;
      res.writeHead(200, { "Content-Type": (await exposition).contentType });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (err) {
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`scrape failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      void serveMetrics(req, res);
      return;
    }
    if (path === "/") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end("cgroupkit serve-metrics: scrape /metrics\n");
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found: scrape /metrics\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    address,
    url: `http://${hostText}:${address.port}/metrics`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue;
      collector.close();
    },
  };
}
