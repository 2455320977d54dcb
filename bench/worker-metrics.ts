// The worker's own account of a phase of the benchmark: its Prometheus endpoint scraped before and
// after, and the SDK's histograms of that window turned into counts, means and percentiles
// (interpolated within buckets, as Prometheus's histogram_quantile does).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A histogram summed over the label sets kept, cumulative bucket counts by upper bound. */
export interface Histogram {
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
  /** Milliseconds per unit of the metric (1000 for a metric in seconds). */
  msPerUnit: number;
}

export interface LatencyFigures {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** The histogram's largest finite bucket bound: a percentile beyond it is reported as this bound, meaning "at least". */
  topBucketMs: number;
}

/** The SDK's latencies the benchmark reports, by the key they have in its JSON. */
export const WORKER_LATENCIES = {
  workflowTaskExecution: { metric: 'temporal_workflow_task_execution_latency', label: 'workflow task execution' },
  workflowTaskScheduleToStart: { metric: 'temporal_workflow_task_schedule_to_start_latency', label: 'workflow task schedule-to-start' },
  workflowTaskReplay: { metric: 'temporal_workflow_task_replay_latency', label: 'workflow task replay' },
  localActivityExecution: { metric: 'temporal_local_activity_execution_latency', label: 'local activity execution' },
  activityExecution: { metric: 'temporal_activity_execution_latency', label: 'activity execution' },
  activityScheduleToStart: { metric: 'temporal_activity_schedule_to_start_latency', label: 'activity schedule-to-start' },
} as const;

export const WORKER_COUNTERS = {
  stickyCacheHits: 'temporal_sticky_cache_hit',
  stickyCacheMisses: 'temporal_sticky_cache_miss',
  emailsSent: 'rapport_emails',
} as const;

export type WorkerLatency = keyof typeof WORKER_LATENCIES;
export type WorkerCounter = keyof typeof WORKER_COUNTERS;

export interface WorkerMetricsWindow {
  latencies: Record<WorkerLatency, LatencyFigures>;
  counters: Record<WorkerCounter, number>;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
  }
  return labels;
}

/** The samples of a Prometheus text exposition; comments and malformed lines are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = match[3] === '+Inf' ? Infinity : Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels: parseLabels(match[2] ?? ''), value });
  }
  return samples;
}

/** Milliseconds per unit, read from a unit suffix in the name; the SDK reports durations in milliseconds unless told otherwise. */
const msPerUnit = (name: string) => (/_seconds(_|$)/.test(name) ? 1000 : 1);

/** The histogram of `metric` (with or without a unit suffix), summed over every label set `keep` accepts. */
export function histogram(samples: Sample[], metric: string, keep: (labels: Record<string, string>) => boolean = () => true): Histogram {
  const family = (name: string, part: string) => name.startsWith(metric) && name.endsWith(part) && /^(_[a-z]+)?$/.test(name.slice(metric.length, -part.length));
  const byBound = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let unit = 1;
  for (const sample of samples) {
    if (!keep(sample.labels)) continue;
    if (family(sample.name, '_bucket')) {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
      unit = msPerUnit(sample.name);
    } else if (family(sample.name, '_sum')) sum += sample.value;
    else if (family(sample.name, '_count')) count += sample.value;
  }
  const buckets = [...byBound.entries()].map(([le, bucketCount]) => ({ le, count: bucketCount })).sort((a, b) => a.le - b.le);
  return { buckets, sum, count, msPerUnit: unit };
}

/** A counter (with or without its _total suffix), summed over its label sets. */
export function counter(samples: Sample[], metric: string): number {
  return samples.filter((sample) => sample.name === metric || sample.name === `${metric}_total`).reduce((total, sample) => total + sample.value, 0);
}

/** What was observed between two readings of the same histogram. */
export function histogramBetween(before: Histogram, after: Histogram): Histogram {
  const earlier = new Map(before.buckets.map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.get(bucket.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
    msPerUnit: after.msPerUnit,
  };
}

/** The q-quantile (0..1) in the metric's unit, interpolated linearly within its bucket; NaN when empty. */
export function quantile(value: Histogram, q: number): number {
  const total = value.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bucket of value.buckets) {
    if (bucket.count >= rank) {
      // Above the last finite bound there is nothing to interpolate towards: that bound is the answer.
      if (bucket.le === Infinity) return lower;
      const inBucket = bucket.count - below;
      return inBucket === 0 ? bucket.le : lower + ((bucket.le - lower) * (rank - below)) / inBucket;
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return lower;
}

export function latencyFigures(value: Histogram): LatencyFigures {
  const ms = (units: number) => units * value.msPerUnit;
  return {
    count: value.count,
    meanMs: value.count > 0 ? ms(value.sum / value.count) : NaN,
    p50Ms: ms(quantile(value, 0.5)),
    p95Ms: ms(quantile(value, 0.95)),
    p99Ms: ms(quantile(value, 0.99)),
    topBucketMs: ms(value.buckets.filter((bucket) => bucket.le !== Infinity).at(-1)?.le ?? NaN),
  };
}

/** The worker's figures for what happened between two scrapes. */
export function metricsBetween(before: Sample[], after: Sample[]): WorkerMetricsWindow {
  const latencies = Object.fromEntries(
    Object.entries(WORKER_LATENCIES).map(([key, { metric }]) => [key, latencyFigures(histogramBetween(histogram(before, metric), histogram(after, metric)))]),
  ) as Record<WorkerLatency, LatencyFigures>;
  const counters = Object.fromEntries(
    Object.entries(WORKER_COUNTERS).map(([key, metric]) => [key, counter(after, metric) - counter(before, metric)]),
  ) as Record<WorkerCounter, number>;
  return { latencies, counters };
}

export async function scrapeMetrics(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the worker's metrics at ${url} answered ${response.status}`);
  return parsePrometheusText(await response.text());
}
