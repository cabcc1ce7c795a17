// The exposition text of a scrape, written by prom-client (loaded on first use: the rest of the
// CLI never pays for it). prom-client's registry does the escaping, the HELP/TYPE lines and the
// OpenMetrics differences (counter `_total` names, `# EOF`).
import { createRequire } from "node:module";
import type { Registry, RegistryContentType } from "prom-client";
import type { MetricFamily, MetricSample } from "./collector.js";

/** The two formats a scraper may ask for. @internal */
export type ExpositionFormat = "prometheus" | "openmetrics";

/** Renders samples as exposition text. @internal */
export interface Exposition {
  readonly contentType: string;
  render(samples: readonly MetricSample[]): Promise<string>;
}

/** The format an `Accept` header asks for: OpenMetrics when it names it, else Prometheus text 0.0.4. @internal */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? "openmetrics" : "prometheus";
}

type PromClient = typeof import("prom-client");
let loaded: PromClient | undefined;

/** A writer for one format; its families are registered as samples first name them. @internal */
export async function createExposition(format: ExpositionFormat): Promise<Exposition> {
  // require, not import(): the CLI bundle is CommonJS run through vm.Script on Node < 22, where import() has no loader.
  loaded ??= createRequire(import.meta.url)("prom-client") as PromClient;
  const client = loaded;
  const registry = new client.Registry<RegistryContentType>();
  registry.setContentType(format === "openmetrics" ? client.Registry.OPENMETRICS_CONTENT_TYPE : client.Registry.PROMETHEUS_CONTENT_TYPE);
  const metrics = new Map<MetricFamily, InstanceType<PromClient["Gauge"]> | InstanceType<PromClient["Counter"]>>();
  const metricOf = (f: MetricFamily) => {
    let m = metrics.get(f);
    if (m === undefined) {
      const config = { name: f.name, help: f.help, labelNames: [...f.labelNames], registers: [registry as Registry] };
      m = f.type === "counter" ? new client.Counter(config) : new client.Gauge(config);
      metrics.set(f, m);
    }
    return m;
  };
  return {
    contentType: registry.contentType,
    async render(samples) {
      // Every scrape starts empty, so a group that went away leaves no stale series behind.
      registry.resetMetrics();
      for (const s of samples) {
        const m = metricOf(s.family);
        // A counter read from the kernel is a total, not an increment: after the reset, inc sets it.
        if (m instanceof client.Counter) m.inc(s.labels, s.value);
        else (m as InstanceType<PromClient["Gauge"]>).set(s.labels, s.value);
      }
      return registry.metrics();
    },
  };
}
