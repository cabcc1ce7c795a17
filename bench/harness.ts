// Interleaved, repeated measurement: every contender of a case runs once per round, in a
// rotating order, so drift and noise on a shared machine land on all of them alike; ratios are
// taken round by round (contender / reference in the same round) before the median.

/** One way of doing a case's work; `run` does `ops` operations. */
export interface Contender {
  readonly name: string;
  /** Operations one `run` performs (times are reported per operation). */
  readonly ops: number;
  /** Name of the contender whose time this one's ratio is taken against; none: no ratio. */
  readonly vs?: string;
  /** Untimed work before each timed run (restore a state, create siblings). */
  readonly before?: () => Promise<void> | void;
  readonly run: () => Promise<void> | void;
  /** Untimed work after each timed run. */
  readonly after?: () => Promise<void> | void;
}

/** Spread of a sample. */
export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export interface ContenderResult {
  readonly name: string;
  readonly ops: number;
  /** Seconds per operation, over the timed rounds. */
  readonly perOp: Spread;
  /** This contender's time over its reference's, per round. */
  readonly ratio?: Spread & { readonly vs: string };
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, n: sorted.length };
}

export interface CompareOptions {
  /** Timed rounds. */
  readonly rounds: number;
  /** Untimed rounds first (JIT, caches, first-touch kernel allocations). */
  readonly warmup: number;
}

/** Run every contender once per round in rotating order; report per-operation times and per-round ratios. */
export async function compare(contenders: readonly Contender[], options: CompareOptions): Promise<ContenderResult[]> {
  const names = new Set(contenders.map((c) => c.name));
  for (const c of contenders) if (c.vs !== undefined && !names.has(c.vs)) throw new Error(`contender ${c.name}: reference ${c.vs} is not in the case`);
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    const timed = round >= options.warmup;
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + round) % contenders.length]!;
      await c.before?.();
      const start = process.hrtime.bigint();
      await c.run();
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      await c.after?.();
      if (timed) times.get(c.name)!.push(elapsed / c.ops);
    }
  }
  return contenders.map((c) => {
    const own = times.get(c.name)!;
    const result: ContenderResult = { name: c.name, ops: c.ops, perOp: spread(own) };
    if (c.vs === undefined) return result;
    const ref = times.get(c.vs)!;
    return { ...result, ratio: { ...spread(own.map((t, i) => t / ref[i]!)), vs: c.vs } };
  });
}

/** Wall time of one call, in seconds. */
export async function timeOnce(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A small deterministic PRNG (mulberry32), so generated policies are the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
