// The benchmark's own arithmetic: medians and spreads of repeats, ratios taken pair by pair, the
// CPU read from /proc (checked against real processes that burn a known amount of CPU), and the
// worker's Prometheus histograms turned into latencies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuBetween, findProcess, parseMachineBusyTicks, parseProcessStat, sampleCpu, treeTicks, type ProcessStat } from '../bench/process-cpu';
import { formatSpread, median, pairedRatios, ratioSpread, spread } from '../bench/stats';
import { histogram, histogramBetween, latencyFigures, metricsBetween, parsePrometheusText, quantile } from '../bench/worker-metrics';

describe('medians and spreads of repeats', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('leaves out a repeat that measured nothing, and keeps every value as it ran', () => {
    expect(spread([5, NaN, 1, 3])).toEqual({ median: 3, min: 1, max: 5, values: [5, NaN, 1, 3] });
    expect(spread([NaN]).median).toBeNaN();
  });

  it('takes the ratio pair by pair, so that a drift moving both sides does not move it', () => {
    // The machine slows down by half during the run: each burst and its baseline slow together.
    const bursts = [30, 45, 60];
    const baselines = [20, 30, 40];
    expect(pairedRatios(bursts, baselines)).toEqual([1.5, 1.5, 1.5]);
    expect(ratioSpread(bursts, baselines)).toMatchObject({ median: 1.5, min: 1.5, max: 1.5 });
    // The ratio of the medians would be the same here, but not when the pairs disagree:
    expect(ratioSpread([30, 60, 36], [20, 30, 40]).median).toBe(1.5);
    expect(median([30, 60, 36]) / median([20, 30, 40])).toBe(1.2);
  });

  it('refuses to pair lists of different lengths', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow('cannot pair 2 values with 1');
  });

  it('writes one repeat as its value and several as median (min–max)', () => {
    const seconds = (value: number) => value.toFixed(1);
    expect(formatSpread(spread([34.5]), seconds, ' s')).toBe('34.5 s');
    expect(formatSpread(spread([36, 34.5, 33.9]), seconds, ' s')).toBe('34.5 s (33.9–36.0)');
    expect(formatSpread(spread([0.001, 0.003]), seconds, ' ms')).toBe('0.0 ms');
  });
});

describe('CPU from /proc', () => {
  it('reads a stat line whose command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[4 - 3] = '41'; // ppid
    [fields[14 - 3], fields[15 - 3], fields[16 - 3], fields[17 - 3]] = ['100', '20', '3', '4'];
    expect(parseProcessStat(`1234 (node (worker) x) ${fields.join(' ')}`)).toEqual({ pid: 1234, ppid: 41, ticks: 127 });
  });

  it('counts a process with its descendants and not its siblings', () => {
    const stats: ProcessStat[] = [
      { pid: 1, ppid: 0, ticks: 1000 },
      { pid: 10, ppid: 1, ticks: 5 },
      { pid: 11, ppid: 10, ticks: 7 },
      { pid: 12, ppid: 11, ticks: 11 },
      { pid: 20, ppid: 1, ticks: 13 },
    ];
    expect(treeTicks(10, stats)).toBe(23);
    expect(treeTicks(99, stats)).toBe(0);
  });

  it("reads the machine's busy ticks: user, nice, system, irq and softirq", () => {
    expect(parseMachineBusyTicks('cpu  100 2 30 5000 40 6 7 8 0 0\ncpu0 50 1 15 2500 20 3 3 4 0 0\n')).toBe(145);
  });

  it('subtracts two samples per process', () => {
    const window = cpuBetween(
      { at: 1_000, seconds: { worker: 2, smtp: 1 }, machineBusySeconds: 10 },
      { at: 3_000, seconds: { worker: 3.5, smtp: 1.25 }, machineBusySeconds: 13 },
    );
    expect(window).toEqual({ wallSeconds: 2, seconds: { worker: 1.5, smtp: 0.25 }, totalSeconds: 1.75, machineBusySeconds: 3 });
  });

  describe('with real processes', () => {
    let parent: ChildProcess;
    let lines: AsyncIterableIterator<string>;

    // A parent that forks a child; the child burns 0.4 s of CPU (by its own clock, however loaded
    // the machine is), says so, and waits; the parent itself stays idle.
    beforeAll(() => {
      const burner = `const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) < 400000) {} console.log('burnt'); setInterval(() => {}, 1000);`;
      const parentScript = `const { spawn } = require('node:child_process'); const child = spawn(process.execPath, ['-e', ${JSON.stringify(burner)}], { stdio: ['ignore', 'inherit', 'inherit'] }); process.on('SIGTERM', () => { child.kill('SIGTERM'); child.once('exit', () => process.exit(0)); });`;
      parent = spawn(process.execPath, ['-e', parentScript, 'bench-stats-marker'], { stdio: ['ignore', 'pipe', 'inherit'] });
      lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
    });

    afterAll(async () => {
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      parent.kill('SIGTERM');
      await exited;
    });

    it("counts the child's CPU in the parent's tree, and not in the parent alone", async () => {
      expect((await lines.next()).value).toBe('burnt');
      const pid = parent.pid as number;
      const { seconds } = sampleCpu([
        { name: 'tree', pid, tree: true },
        { name: 'alone', pid, tree: false },
      ]);
      expect(seconds.tree).toBeGreaterThanOrEqual(0.35);
      expect(seconds.alone).toBeLessThan(seconds.tree - 0.3);
    });

    it('finds a process by its command line', () => {
      expect(findProcess((argv) => argv.includes('bench-stats-marker'))).toBe(parent.pid);
      expect(findProcess((argv) => argv.includes('no-such-argument-anywhere'))).toBeUndefined();
    });
  });
});

// As the SDK's Prometheus exporter writes them: milliseconds, one label set per workflow type.
const scrape = (scale: number) => `# HELP temporal_workflow_task_execution_latency Histogram of workflow task execution latencies
# TYPE temporal_workflow_task_execution_latency histogram
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="pair",le="10"} ${2 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="pair",le="50"} ${6 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="pair",le="100"} ${8 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="pair",le="+Inf"} ${8 * scale}
temporal_workflow_task_execution_latency_sum{namespace="default",workflow_type="pair"} ${300 * scale}
temporal_workflow_task_execution_latency_count{namespace="default",workflow_type="pair"} ${8 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="other",le="10"} ${2 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="other",le="50"} ${2 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="other",le="100"} ${2 * scale}
temporal_workflow_task_execution_latency_bucket{namespace="default",workflow_type="other",le="+Inf"} ${2 * scale}
temporal_workflow_task_execution_latency_sum{namespace="default",workflow_type="other"} ${10 * scale}
temporal_workflow_task_execution_latency_count{namespace="default",workflow_type="other"} ${2 * scale}
# TYPE temporal_sticky_cache_hit_total counter
temporal_sticky_cache_hit_total{namespace="default",note="a \\"quoted\\" label"} ${40 * scale}
`;

describe("the worker's metrics", () => {
  it('sums a histogram over its label sets', () => {
    const summed = histogram(parsePrometheusText(scrape(1)), 'temporal_workflow_task_execution_latency');
    expect(summed).toEqual({
      buckets: [
        { le: 10, count: 4 },
        { le: 50, count: 8 },
        { le: 100, count: 10 },
        { le: Infinity, count: 10 },
      ],
      sum: 310,
      count: 10,
      msPerUnit: 1,
    });
  });

  it('interpolates a percentile within its bucket, as histogram_quantile does', () => {
    const summed = histogram(parsePrometheusText(scrape(1)), 'temporal_workflow_task_execution_latency');
    // The median (rank 5) is a quarter of the way through the 10–50 bucket, which holds ranks 5 to 8.
    expect(quantile(summed, 0.5)).toBe(20);
    expect(quantile(summed, 0.95)).toBe(87.5);
    expect(
      quantile(
        {
          buckets: [
            { le: 10, count: 1 },
            { le: Infinity, count: 3 },
          ],
          sum: 0,
          count: 3,
          msPerUnit: 1,
        },
        0.9,
      ),
    ).toBe(10);
    expect(quantile({ buckets: [], sum: 0, count: 0, msPerUnit: 1 }, 0.5)).toBeNaN();
  });

  it('reads durations in seconds as milliseconds', () => {
    const samples = parsePrometheusText('x_seconds_bucket{le="0.1"} 2\nx_seconds_bucket{le="+Inf"} 2\nx_seconds_sum 0.1\nx_seconds_count 2\n');
    const figures = latencyFigures(histogram(samples, 'x'));
    expect(figures.count).toBe(2);
    expect(figures.meanMs).toBeCloseTo(50);
    expect(figures.p50Ms).toBeCloseTo(50);
    expect(figures.p95Ms).toBeCloseTo(95);
    expect(figures.topBucketMs).toBeCloseTo(100);
  });

  it('keeps only what happened between two scrapes', () => {
    const before = parsePrometheusText(scrape(1));
    const after = parsePrometheusText(scrape(3));
    const window = histogramBetween(
      histogram(before, 'temporal_workflow_task_execution_latency'),
      histogram(after, 'temporal_workflow_task_execution_latency'),
    );
    expect(window.count).toBe(20);
    expect(window.buckets[0]).toEqual({ le: 10, count: 8 });
    const figures = metricsBetween(before, after);
    expect(figures.latencies.workflowTaskExecution).toMatchObject({ count: 20, meanMs: 31, p50Ms: 20 });
    // Past the largest finite bucket, a percentile is that bound ("at least").
    expect(figures.latencies.workflowTaskExecution.topBucketMs).toBe(100);
    expect(figures.counters.stickyCacheHits).toBe(80);
    // A metric the worker never reported is an empty window, not an error.
    expect(figures.latencies.activityExecution.count).toBe(0);
    expect(figures.latencies.activityExecution.p99Ms).toBeNaN();
  });
});
