// The one source of truth for configuration. Every option is an environment variable with a
// safe default where one exists; loadConfig reports every problem at once.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The worker's V8 heap limit unless WORKER_HEAP_MB says otherwise. Without a limit V8 lets the heap
 * grow far beyond what the worker keeps alive during a burst (about 200 MiB of garbage on 1,000
 * sends); package.json's worker script passes it to node as --max-old-space-size.
 */
export const DEFAULT_WORKER_HEAP_MB = 320;
/** How many workflow task polls run at once unless WORKER_WORKFLOW_TASK_POLLS says otherwise (at most the tasks run at once). */
export const DEFAULT_WORKFLOW_TASK_POLLS = 10;
/**
 * The share of those polls that ask the task queue itself, for pairs in no worker's cache (the SDK's
 * own default is 0.2). A pair wakes a few times a week, so nearly all of Rapport's workflow tasks are
 * for pairs out of the cache; with the SDK's default, eight of ten polls waited on the sticky queue
 * while a burst queued up on the other (see the benchmark). The sticky queue keeps at least one poll.
 */
export const DEFAULT_NON_STICKY_POLL_RATIO = 1;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.length <= 64;
  } catch {
    return false;
  }
}

const urlWithScheme = (schemes: string[], hint: string) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, hint);

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(', ')}` });
/** A port, or "off" for a listener that is not wanted (null). */
const optionalPort = (fallback: number) =>
  z
    .string()
    .refine((value) => value === 'off' || (/^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535), 'must be a port from 1 to 65535, or off')
    .default(String(fallback))
    .transform((value) => (value === 'off' ? null : Number(value)));
const yesNo = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes'].includes(value));

/** A feature switched on or off; the spellings of yesNo are taken too. */
const onOff = (fallback: boolean) =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'], { message: 'must be on or off' })
    .default(fallback ? 'on' : 'off')
    .transform((value) => ['on', 'true', '1', 'yes'].includes(value));

const TEMPORAL_NAME = /^[A-Za-z0-9._-]{1,255}$/;

/** An IPv4 or IPv6 address, optionally with a /prefix length. */
function isAddressOrRange(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (version === 4 ? 32 : 128);
}

/** TRUST_PROXY: off, a hop count, or a comma-separated list of proxy addresses and ranges. */
const trustProxy = z
  .string()
  .max(2_000)
  .default('false')
  .refine((value) => {
    if (['false', 'off', 'no', '0'].includes(value)) return true;
    if (/^\d{1,2}$/.test(value)) return true;
    return value.split(',').every((part) => isAddressOrRange(part.trim()));
  }, 'must be false, a number of proxy hops (e.g. 1), or proxy addresses separated by commas (e.g. 10.0.0.5,10.1.0.0/16)')
  .transform((value): false | number | string[] => {
    if (['false', 'off', 'no', '0'].includes(value)) return false;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    return value.split(',').map((part) => part.trim());
  });

/** A codec key's id, written in clear into the metadata of every payload it encrypts. */
const CODEC_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const CODEC_KEY_BYTES = 32;
const CODEC_KEY_ID_RULE = 'letters, digits, ".", "_" or "-", at most 64';

/** Standard base64 (the alphabet of `openssl rand -base64 32`), padding optional; null for anything else. */
function base64Bytes(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(text, 'base64');
}

/**
 * One `keyId:base64key` entry of TEMPORAL_CODEC_KEYS, or what is wrong with it. A message names the
 * entry by its position and, once the id is valid, by its id: never by the key, nor by a text that
 * could be one (an entry written the wrong way round).
 */
function codecKeyEntry(entry: string, position: number): CodecKey | string {
  if (entry === '') return `entry ${position} is empty (a stray comma?)`;
  const separator = entry.indexOf(':');
  if (separator < 0) return `entry ${position} must be keyId:base64key`;
  const id = entry.slice(0, separator).trim();
  if (!CODEC_KEY_ID.test(id)) return `entry ${position}: the key id must be ${CODEC_KEY_ID_RULE} (keyId:base64key)`;
  // An unpadded key can pass for an id: an entry written key first is refused without its id.
  if (base64Bytes(id)?.length === CODEC_KEY_BYTES) return `entry ${position}: its key id looks like a key; write keyId:base64key, the id first`;
  const key = base64Bytes(entry.slice(separator + 1).trim());
  const named = `entry ${position} (key id ${id})`;
  const hint = 'make one with: openssl rand -base64 32';
  if (key === null) return `${named}: the key must be base64; ${hint}`;
  if (key.length !== CODEC_KEY_BYTES) return `${named}: the key must be exactly ${CODEC_KEY_BYTES} bytes, not ${key.length}; ${hint}`;
  return { id, key };
}

/** TEMPORAL_CODEC_KEYS: comma-separated keyId:base64key entries, each id once. */
const codecKeys = z
  .string()
  .max(10_000, 'must be at most 10000 characters')
  .transform((value, context) => {
    const entries = value.split(',').map((entry, index) => codecKeyEntry(entry.trim(), index + 1));
    const keys = entries.filter((entry): entry is CodecKey => typeof entry !== 'string');
    const ids = keys.map((key) => key.id);
    const duplicates = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))].map((id) => `key id ${id} is listed more than once`);
    const problems = [...entries.filter((entry): entry is string => typeof entry === 'string'), ...duplicates];
    for (const message of problems) context.addIssue({ code: 'custom', message });
    return problems.length > 0 ? z.NEVER : keys;
  });

/** An origin as browsers send it: scheme://host[:port], nothing after. */
const webOrigin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}, 'must be an origin, scheme://host[:port] in lower case with no path or trailing slash, e.g. http://localhost:8233');

const configSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233')
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().regex(TEMPORAL_NAME, 'must be letters, digits, ".", "_" or "-", e.g. people-prod').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().regex(TEMPORAL_NAME, 'must be letters, digits, ".", "_" or "-", e.g. rapport').default('rapport'),
  /** Defaults to a SQLite file under RAPPORT_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgres:// (PostgreSQL)')
    .optional(),
  SMTP_URL: urlWithScheme(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587').default(
    'smtp://127.0.0.1:2525',
  ),
  MAIL_FROM: z
    .string()
    .regex(/^[^\r\n]*<?[^\s<>@]+@[^\s<>@]+>?$/, 'must be an address, optionally with a name: Rapport <rapport@example.com>')
    .default('Rapport <rapport@localhost>'),
  PUBLIC_BASE_URL: urlWithScheme(['http:', 'https:'], 'must be an http:// or https:// URL').default('http://localhost:3000'),
  FORM_LINK_TTL_DAYS: wholeNumber(1, 365).default(30),
  CALENDAR_INVITES: onOff(true),
  SMTP_MAX_CONNECTIONS: wholeNumber(1, 100).default(5),
  WEB_HOST: z.string().min(1).default('127.0.0.1'),
  WEB_PORT: wholeNumber(0, 65535).default(3000),
  RATE_LIMIT_PER_MINUTE: wholeNumber(1, 100_000).default(60),
  /** At least 2: a "pool" of one would show one person's answers. */
  FEEDBACK_POOL_MINIMUM: wholeNumber(2, 1_000).default(3),
  TRUST_PROXY: trustProxy,
  WEB_REQUEST_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(30),
  WEB_HEADERS_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(10),
  WEB_KEEP_ALIVE_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(5),
  WEB_CONNECTION_TIMEOUT_SECONDS: wholeNumber(1, 3_600).default(60),
  ANSWER_REDELIVERY_SECONDS: wholeNumber(1, 3600).default(15),
  ADMIN_USER: z.string().min(1).max(100).default('admin'),
  /** The admin's own zone, shown beside a pair's times where the clocks differ; the server's zone by default. */
  ADMIN_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Lisbon')
    .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
  LOG_FORMAT: oneOf(['json', 'text'] as const).default('json'),
  RAPPORT_DATA_DIR: z.string().min(1).default('./data'),
  TEMPORAL_TLS: yesNo(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_CODEC_KEYS: codecKeys.optional(),
  TEMPORAL_CODEC_KEY_ID: z.string().regex(CODEC_KEY_ID, `must be a key id of TEMPORAL_CODEC_KEYS (${CODEC_KEY_ID_RULE})`).optional(),
  TEMPORAL_UI_ORIGIN: webOrigin.optional(),
  WORKER_MAX_CACHED_WORKFLOWS: wholeNumber(0, 100_000).default(300),
  WORKER_HEAP_MB: wholeNumber(128, 65_536).default(DEFAULT_WORKER_HEAP_MB),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: wholeNumber(2, 1_000).default(40),
  WORKER_WORKFLOW_TASK_POLLS: wholeNumber(2, 1_000).optional(),
  WORKER_NON_STICKY_POLL_RATIO: z.coerce
    .number({ error: 'must be a number from 0.1 to 1, e.g. 0.5' })
    .min(0.1, 'must be a number from 0.1 to 1, e.g. 0.5')
    .max(1, 'must be a number from 0.1 to 1, e.g. 0.5')
    .default(DEFAULT_NON_STICKY_POLL_RATIO),
  WORKER_MAX_CONCURRENT_ACTIVITIES: wholeNumber(1, 10_000).default(100),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: wholeNumber(1, 10_000).default(100),
  WORKER_SHUTDOWN_GRACE_SECONDS: wholeNumber(0, 3_600).default(30),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).default('./dist/workflow-bundle.js'),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: optionalPort(9464),
  HEALTH_PORT: optionalPort(9465),
  MIGRATE_ON_START: yesNo(false),
  DEMO_MODE: yesNo(true),
  TEMPORAL_UI_PORT: wholeNumber(1, 65535).default(8233),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface RapportConfig {
  temporal: TemporalSettings;
  databaseUrl: string;
  smtpUrl: string;
  smtpMaxConnections: number;
  mailFrom: string;
  messageIdDomain: string;
  publicBaseUrl: string;
  formLinkTtlDays: number;
  /** The organisation default (CALENDAR_INVITES): whether a pair without a setting of its own gets calendar invites. */
  calendarInvites: boolean;
  web: {
    host: string;
    port: number;
    rateLimitPerMinute: number;
    /** The fewest distinct reports whose pooled feedback a manager's summary shows (FEEDBACK_POOL_MINIMUM). */
    feedbackPoolMinimum: number;
    answerRedeliverySeconds: number;
    /** Fastify's trustProxy: off, a hop count, or the proxies' addresses. */
    trustProxy: false | number | string[];
    timeouts: { requestMs: number; headersMs: number; keepAliveMs: number; connectionMs: number };
  };
  /**
   * Without ADMIN_PASSWORD the admin UI and API are off. The Temporal UI's origin, when set, may call
   * the admin's codec endpoint from the browser.
   */
  admin: { user: string; password?: string; sessionSecret?: string; temporalUiOrigin?: string; timeZone: string };
  logLevel: (typeof LOG_LEVELS)[number];
  /** json (one object per line, for log collectors) or text (for people at a terminal). */
  logFormat: 'json' | 'text';
  dataDir: string;
  worker: WorkerTuning;
  /** Where the worker serves Prometheus metrics and its health checks; a port is null when off. */
  ops: { host: string; metricsPort: number | null; healthPort: number | null };
  /** Apply pending database migrations when a worker or web service starts. */
  migrateOnStart: boolean;
  /** Main job only: the sample pair meets every few minutes so every email arrives quickly. */
  demoMode: boolean;
  /** Main job only: the port of the dev server's web UI. */
  temporalUiPort: number;
}

export interface TemporalTls {
  /** PEM client certificate and key (mTLS), e.g. for a self-hosted cluster or Temporal Cloud. */
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
  serverNameOverride?: string;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Absent for a plain connection (e.g. a local dev server). */
  tls?: TemporalTls;
  apiKey?: string;
  /** Absent when payloads go to Temporal unencrypted (TEMPORAL_CODEC_KEYS unset). */
  payloadCodec?: PayloadCodecSettings;
}

export interface CodecKey {
  id: string;
  /** 32 bytes: an AES-256 key. */
  key: Buffer;
}

/** The keys every payload is encrypted with (one) and decrypted with (any of them, by its key id). */
export interface PayloadCodecSettings {
  keys: CodecKey[];
  encryptingKeyId: string;
}

export interface WorkerTuning {
  maxCachedWorkflows: number;
  /** The V8 heap limit the worker is started with (`npm run worker` passes it to node). */
  heapMb: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** Workflow task polls at once, at most maxConcurrentWorkflowTaskExecutions. */
  maxConcurrentWorkflowTaskPolls: number;
  /** The share of those polls on the task queue itself rather than the worker's sticky queue. */
  nonStickyToStickyPollRatio: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  shutdownGraceSeconds: number;
  workflowBundlePath: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function domainOf(mailFrom: string): string {
  const match = /@([^\s<>@]+)>?$/.exec(mailFrom);
  return match ? match[1] : 'localhost';
}

/** Reads a PEM file named by a variable, or records why it cannot be read. */
function pemFile(variable: string, path: string | undefined, problems: string[]): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    problems.push(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
}

function temporalTls(raw: RawConfig, problems: string[]): TemporalTls | undefined {
  if ((raw.TEMPORAL_TLS_CERT_PATH === undefined) !== (raw.TEMPORAL_TLS_KEY_PATH === undefined)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: set both for mTLS, or neither');
  }
  const crt = pemFile('TEMPORAL_TLS_CERT_PATH', raw.TEMPORAL_TLS_CERT_PATH, problems);
  const key = pemFile('TEMPORAL_TLS_KEY_PATH', raw.TEMPORAL_TLS_KEY_PATH, problems);
  const ca = pemFile('TEMPORAL_TLS_CA_PATH', raw.TEMPORAL_TLS_CA_PATH, problems);
  const wanted = raw.TEMPORAL_TLS || raw.TEMPORAL_API_KEY !== undefined || crt || key || ca || raw.TEMPORAL_TLS_SERVER_NAME;
  if (!wanted) return undefined;
  return {
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(raw.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: raw.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}

/** The payload codec's keys and which one encrypts, or undefined when payload encryption is off. */
function payloadCodecSettings(raw: RawConfig, problems: string[]): PayloadCodecSettings | undefined {
  const keys = raw.TEMPORAL_CODEC_KEYS;
  if (keys === undefined) {
    if (raw.TEMPORAL_CODEC_KEY_ID !== undefined) {
      problems.push('TEMPORAL_CODEC_KEY_ID: names the key that encrypts, so TEMPORAL_CODEC_KEYS must be set too (keyId:base64key, …)');
    }
    return undefined;
  }
  const encryptingKeyId = raw.TEMPORAL_CODEC_KEY_ID ?? keys[0].id;
  if (!keys.some((key) => key.id === encryptingKeyId)) {
    problems.push(`TEMPORAL_CODEC_KEY_ID: must be one of the key ids in TEMPORAL_CODEC_KEYS (${keys.map((key) => key.id).join(', ')})`);
    return undefined;
  }
  return { keys, encryptingKeyId };
}

/**
 * Settings whose local defaults would be wrong in production (a SQLite file, a relay on localhost,
 * links to localhost), so the production entries need them set.
 */
const REQUIRED_IN_PRODUCTION: Partial<Record<ConfigFor, Record<string, string>>> = {
  worker: {
    DATABASE_URL: 'e.g. postgresql://rapport:…@db:5432/rapport',
    SMTP_URL: 'e.g. smtp://user:pass@mail.example.com:587',
    MAIL_FROM: 'e.g. Rapport <rapport@example.com>',
    PUBLIC_BASE_URL: 'the address people open the form links at, e.g. https://rapport.example.com',
  },
  web: {
    DATABASE_URL: 'e.g. postgresql://rapport:…@db:5432/rapport',
    PUBLIC_BASE_URL: 'the address people open the form links at, e.g. https://rapport.example.com',
  },
};

function missingProblems(given: Record<string, unknown>, configFor: ConfigFor): string[] {
  const required = REQUIRED_IN_PRODUCTION[configFor] ?? {};
  return Object.entries(required)
    .filter(([name]) => given[name] === undefined)
    .map(([name, hint]) => `${name}: must be set for the ${configFor === 'web' ? 'web service' : configFor} (${hint})`);
}

/** What a deployed web service needs beyond the common settings. */
function webProblems(raw: RawConfig): string[] {
  if (raw.ADMIN_PASSWORD !== undefined && raw.SESSION_SECRET === undefined) {
    return ['SESSION_SECRET: must be set when ADMIN_PASSWORD is, so that admin sessions survive restarts and work across instances'];
  }
  return [];
}

/** Temporal refuses more workflow task polls than workflow tasks run at once. */
function pollProblems(raw: RawConfig): string[] {
  const polls = raw.WORKER_WORKFLOW_TASK_POLLS;
  if (polls === undefined || polls <= raw.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) return [];
  return [
    `WORKER_WORKFLOW_TASK_POLLS: must not be more than WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${raw.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS}): a poll waits for a free task slot`,
  ];
}

/** Node refuses a header deadline past the request's, so the two are checked together. */
function timeoutProblems(raw: RawConfig): string[] {
  if (raw.WEB_HEADERS_TIMEOUT_SECONDS <= raw.WEB_REQUEST_TIMEOUT_SECONDS) return [];
  return ['WEB_HEADERS_TIMEOUT_SECONDS: must not be longer than WEB_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)'];
}

/** The main job and the CLI run at a terminal on one machine: readable logs, nothing listening beyond it. */
const LOCAL_DEFAULTS: Record<string, string> = { LOG_FORMAT: 'text', LOG_LEVEL: 'warn', METRICS_HOST: '127.0.0.1' };

/** Which program is starting: production entries check what only they need. */
export type ConfigFor = 'local' | 'worker' | 'web' | 'cli';

export function loadConfig(env: NodeJS.ProcessEnv = process.env, configFor: ConfigFor = 'local'): RapportConfig {
  // Empty strings count as unset, as they do in most deployment tools.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const present = configFor === 'local' ? { ...LOCAL_DEFAULTS, ...given } : given;
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const invalid = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError([...missingProblems(given, configFor), ...invalid]);
  }
  const raw = parsed.data;
  const problems = [...missingProblems(given, configFor), ...(configFor === 'web' ? webProblems(raw) : []), ...timeoutProblems(raw), ...pollProblems(raw)];
  const tls = temporalTls(raw, problems);
  const payloadCodec = payloadCodecSettings(raw, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    temporal: {
      address: raw.TEMPORAL_ADDRESS,
      namespace: raw.TEMPORAL_NAMESPACE,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      ...(tls ? { tls } : {}),
      ...(raw.TEMPORAL_API_KEY ? { apiKey: raw.TEMPORAL_API_KEY } : {}),
      ...(payloadCodec ? { payloadCodec } : {}),
    },
    databaseUrl: raw.DATABASE_URL ?? `file:${raw.RAPPORT_DATA_DIR.replace(/\/+$/, '')}/rapport.db`,
    smtpUrl: raw.SMTP_URL,
    smtpMaxConnections: raw.SMTP_MAX_CONNECTIONS,
    mailFrom: raw.MAIL_FROM,
    messageIdDomain: domainOf(raw.MAIL_FROM),
    publicBaseUrl: raw.PUBLIC_BASE_URL,
    formLinkTtlDays: raw.FORM_LINK_TTL_DAYS,
    calendarInvites: raw.CALENDAR_INVITES,
    admin: {
      user: raw.ADMIN_USER,
      password: raw.ADMIN_PASSWORD,
      sessionSecret: raw.SESSION_SECRET,
      temporalUiOrigin: raw.TEMPORAL_UI_ORIGIN,
      timeZone: raw.ADMIN_TIME_ZONE,
    },
    web: {
      host: raw.WEB_HOST,
      port: raw.WEB_PORT,
      rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
      feedbackPoolMinimum: raw.FEEDBACK_POOL_MINIMUM,
      answerRedeliverySeconds: raw.ANSWER_REDELIVERY_SECONDS,
      trustProxy: raw.TRUST_PROXY,
      timeouts: {
        requestMs: raw.WEB_REQUEST_TIMEOUT_SECONDS * 1_000,
        headersMs: raw.WEB_HEADERS_TIMEOUT_SECONDS * 1_000,
        keepAliveMs: raw.WEB_KEEP_ALIVE_TIMEOUT_SECONDS * 1_000,
        connectionMs: raw.WEB_CONNECTION_TIMEOUT_SECONDS * 1_000,
      },
    },
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    dataDir: raw.RAPPORT_DATA_DIR,
    worker: {
      maxCachedWorkflows: raw.WORKER_MAX_CACHED_WORKFLOWS,
      heapMb: raw.WORKER_HEAP_MB,
      maxConcurrentWorkflowTaskExecutions: raw.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentWorkflowTaskPolls: raw.WORKER_WORKFLOW_TASK_POLLS ?? Math.min(DEFAULT_WORKFLOW_TASK_POLLS, raw.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS),
      nonStickyToStickyPollRatio: raw.WORKER_NON_STICKY_POLL_RATIO,
      maxConcurrentActivityTaskExecutions: raw.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivityExecutions: raw.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      shutdownGraceSeconds: raw.WORKER_SHUTDOWN_GRACE_SECONDS,
      workflowBundlePath: raw.WORKFLOW_BUNDLE_PATH,
    },
    ops: {
      host: raw.METRICS_HOST,
      metricsPort: raw.METRICS_PORT,
      healthPort: raw.HEALTH_PORT,
    },
    migrateOnStart: raw.MIGRATE_ON_START,
    demoMode: raw.DEMO_MODE,
    temporalUiPort: raw.TEMPORAL_UI_PORT,
  };
}
