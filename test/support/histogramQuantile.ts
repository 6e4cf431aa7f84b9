/**
 * Prometheus text exposition (format 0.0.4) as the load tool reads it from `GET /metrics`: parse the
 * samples, add up a histogram's cumulative buckets over its label sets, subtract two scrapes, and
 * estimate a quantile the way PromQL's `histogram_quantile` does (linear interpolation within the
 * bucket the rank falls in). Dependency-free; the unit test is beside it.
 */

/** One sample line: `name{labels} value`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A histogram's cumulative buckets, ascending by upper bound; the last one is `+Inf` (= count). */
export type Buckets = { le: number; count: number }[];

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses a Prometheus float (`+Inf`, `-Inf`, `NaN` included). */
function promFloat(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/**
 * Parses the text exposition format. Comments (`# HELP`, `# TYPE`) and blank lines are skipped,
 * label values are unescaped (`\\`, `\"`, `\n`), timestamps ignored.
 * @returns the samples in order; lines that do not parse are skipped.
 */
export function parsePrometheus(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: promFloat(m[3]!) });
  }
  return out;
}

/** The value of gauge/counter `name` summed over its label sets, or null when absent. */
export function metricValue(samples: readonly PromSample[], name: string): number | null {
  const hits = samples.filter((s) => s.name === name);
  return hits.length ? hits.reduce((a, s) => a + s.value, 0) : null;
}

/**
 * The cumulative buckets of histogram `name` (its `name_bucket` series), added up over every label
 * set other than `le` — `sum by (le) (…)` in PromQL.
 * @returns buckets ascending by `le`, or null when the histogram is absent.
 */
export function histogramBuckets(samples: readonly PromSample[], name: string): Buckets | null {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = promFloat(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  if (!byLe.size) return null;
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * Bucket counts observed between two scrapes (`after − before`, per upper bound), like PromQL's
 * `increase()` over the interval. Bounds missing from `before` count from 0 (a label set that
 * appeared in between); a negative difference (the server restarted) yields null.
 */
export function bucketDelta(before: Buckets | null, after: Buckets | null): Buckets | null {
  if (!after) return null;
  const prev = new Map((before ?? []).map((b) => [b.le, b.count]));
  const out = after.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  return out.some((b) => b.count < 0) ? null : out;
}

/**
 * Quantile `q` (0–1) of a histogram's cumulative buckets, as PromQL's `histogram_quantile`:
 * rank = q × total; in the first bucket whose cumulative count reaches the rank, interpolate
 * linearly between its lower bound (the previous bucket's `le`, or 0 for the first bucket when
 * its bound is positive) and its upper bound. A rank in the `+Inf` bucket returns the highest
 * finite bound.
 * @param buckets cumulative, ascending by `le`, ending with `+Inf` (as exposed).
 * @returns the estimate in the histogram's unit, or null when there are no observations, no
 *   `+Inf` bucket, or `q` is outside [0, 1].
 */
export function histogramQuantile(q: number, buckets: Buckets | null): number | null {
  if (!buckets || !(q >= 0 && q <= 1)) return null;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  // Cumulative counts must not decrease; PromQL fixes small float glitches the same way.
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.count < sorted[i - 1]!.count) sorted[i] = { ...sorted[i]!, count: sorted[i - 1]!.count };
  const last = sorted.at(-1);
  if (!last || last.le !== Infinity || sorted.length < 2) return null;
  const total = last.count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  if (i < 0) i = sorted.length - 1;
  if (sorted[i]!.le === Infinity) return sorted[sorted.length - 2]!.le;
  const upper = sorted[i]!.le;
  let lower = 0;
  let below = 0;
  if (i > 0) {
    lower = sorted[i - 1]!.le;
    below = sorted[i - 1]!.count;
  } else if (upper <= 0) return upper;
  const inBucket = sorted[i]!.count - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

/**
 * Fetches `GET {url}/metrics` and parses it.
 * @returns the samples, or null when the endpoint is missing (404), off or unreachable.
 */
export async function scrapeMetrics(url: string): Promise<PromSample[] | null> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('text/plain') && !type.includes('openmetrics')) return null; // e.g. the SPA's index.html
    return parsePrometheus(await res.text());
  } catch {
    return null;
  }
}
