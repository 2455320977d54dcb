// Logs and metrics of a worker process. The SDK runtime is installed once per process: its logger
// writes JSON lines (or text for a terminal) and its Prometheus exporter serves both the SDK's
// metrics and Rapport's own, which are made with the runtime's metric meter.
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { MetricMeter } from '@temporalio/common';
import type { FormKind } from '../workflows/pair-types';
import type { RapportConfig } from '../config/config';

/** One JSON object per line: time, level, message, then the entry's metadata. */
export function jsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), message: entry.message, ...entry.meta }, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    return value;
  });
}

export function createLogger(config: Pick<RapportConfig, 'logLevel' | 'logFormat'>): DefaultLogger {
  const level = config.logLevel.toUpperCase() as LogLevel;
  if (config.logFormat === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => process.stdout.write(`${jsonLogLine(entry)}\n`));
}

/** Installs the SDK runtime with the configured logger and, unless it is off, the metrics exporter. */
export function installRuntime(config: Pick<RapportConfig, 'logLevel' | 'logFormat' | 'ops'>): DefaultLogger {
  const logger = createLogger(config);
  const { host, metricsPort } = config.ops;
  Runtime.install({
    logger,
    telemetryOptions: {
      // The SDK's own (Rust) logs go through the same logger, so every line has one format.
      logging: { forward: {}, filter: { core: config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN', other: 'ERROR' } },
      ...(metricsPort === null ? {} : { metrics: { prometheus: { bindAddress: `${host}:${metricsPort}`, countersTotalSuffix: true } } }),
    },
  });
  return logger;
}

export interface RapportMetrics {
  /** Counts an email the outbox sent or gave up on, by the stage it belongs to. */
  onEmail: (stage: string, outcome: 'sent' | 'failed') => void;
  /** Counts an answer the workflow acknowledged and stored, by form kind. */
  onAnswer: (kind: FormKind) => void;
  setActivePairs: (count: number) => void;
}

/** Rapport's metrics, exported with the SDK's on the same Prometheus endpoint. */
export function createRapportMetrics(meter: MetricMeter = Runtime.instance().metricMeter): RapportMetrics {
  const emails = meter.createCounter(
    'rapport_emails',
    'emails',
    'Emails the outbox sent (outcome=sent) or gave up on after a permanent refusal (outcome=failed), by stage',
  );
  const answers = meter.createCounter('rapport_forms_answered', 'answers', 'Form answers stored and acknowledged by the pair workflow, by form kind');
  const activePairs = meter.createGauge('rapport_pairs_active', 'int', 'pairs', 'Pairs that have not ended (active or paused)');
  return {
    onEmail: (stage, outcome) => emails.add(1, { stage, outcome }),
    onAnswer: (kind) => answers.add(1, { kind }),
    setActivePairs: (count) => activePairs.set(count),
  };
}
