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

/** One family as prom-client's registry reads it: `get()` gives this render's values (the shape its own metrics return). */
interface FamilyMetric {
  name: string;
  readonly help: string;
  readonly type: MetricFamily["type"];
  values: Array<{ labels: Readonly<Record<string, string>>; value: number }>;
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: FamilyMetric["values"] }>;
}

/**
 * A writer for one format. Each family is registered once as a metric whose values are this
 * render's samples, as they are: prom-client's Gauge/Counter would hash and validate the labels of
 * every sample again (3× the time of the text itself at 24,000 series; bench case 7), and a
 * counter read from the kernel is a total to report, not an increment.
 * @internal
 */
export async function createExposition(format: ExpositionFormat): Promise<Exposition> {
  // require, not import(): the CLI bundle is CommonJS run through vm.Script on Node < 22, where import() has no loader.
  loaded ??= createRequire(import.meta.url)("prom-client") as PromClient;
  const client = loaded;
  const registry = new client.Registry<RegistryContentType>();
  registry.setContentType(format === "openmetrics" ? client.Registry.OPENMETRICS_CONTENT_TYPE : client.Registry.PROMETHEUS_CONTENT_TYPE);
  const metrics = new Map<MetricFamily, FamilyMetric>();
  const metricOf = (f: MetricFamily): FamilyMetric => {
    let m = metrics.get(f);
    if (m === undefined) {
      const metric: FamilyMetric = {
        // prom-client renames an OpenMetrics counter to its base name on the object it holds: get() reports that name.
        name: f.name,
        help: f.help,
        type: f.type,
        values: [],
        get: async () => ({ name: metric.name, help: metric.help, type: metric.type, aggregator: "sum", values: metric.values }),
      };
      registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
      metrics.set(f, (m = metric));
    }
    return m;
  };
  return {
    contentType: registry.contentType,
    async render(samples) {
      // Every render starts empty, so a group that went away leaves no stale series behind.
      for (const m of metrics.values()) m.values = [];
      for (const s of samples) metricOf(s.family).values.push({ labels: s.labels, value: s.value });
      return registry.metrics();
    },
  };
}
