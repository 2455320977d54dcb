import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ConfigFor } from '../config/config';
import { startEntry } from '../harness/rapport-process';
import { openActivityRuntime, workerTuningOptions } from '../worker/rapport-worker';

/** The problems loadConfig reports for env, or [] when it accepts it. */
function problemsOf(env: Record<string, string>, configFor: ConfigFor = 'local'): string[] {
  try {
    loadConfig(env, configFor);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const PRODUCTION_WORKER = {
  DATABASE_URL: 'postgresql://rapport:secret@db:5432/rapport',
  SMTP_URL: 'smtp://mail.example.com:587',
  MAIL_FROM: 'Rapport <rapport@example.com>',
  PUBLIC_BASE_URL: 'https://rapport.example.com',
};

describe('configuration', () => {
  it('has safe defaults for a local run', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'rapport' },
      databaseUrl: 'file:./data/rapport.db',
      smtpUrl: 'smtp://127.0.0.1:2525',
      mailFrom: 'Rapport <rapport@localhost>',
      messageIdDomain: 'localhost',
      formLinkTtlDays: 30,
      logLevel: 'warn',
      logFormat: 'text',
      ops: { host: '127.0.0.1', metricsPort: 9464, healthPort: 9465 },
      worker: {
        maxCachedWorkflows: 300,
        heapMb: 320,
        maxConcurrentWorkflowTaskExecutions: 40,
        maxConcurrentWorkflowTaskPolls: 10,
        nonStickyToStickyPollRatio: 1,
        maxConcurrentActivityTaskExecutions: 100,
        shutdownGraceSeconds: 30,
      },
      migrateOnStart: false,
      demoMode: true,
      calendarInvites: true,
    });
    expect(loadConfig({ RAPPORT_DATA_DIR: '/var/lib/rapport/' }).databaseUrl).toBe('file:/var/lib/rapport/rapport.db');
  });

  it('hands the worker its polls, their split and its cache', () => {
    expect(workerTuningOptions(loadConfig({ WORKER_WORKFLOW_TASK_POLLS: '6', WORKER_NON_STICKY_POLL_RATIO: '0.5' }).worker)).toMatchObject({
      maxCachedWorkflows: 300,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentWorkflowTaskPolls: 6,
      nonStickyToStickyPollRatio: 0.5,
    });
  });

  it('polls for workflow tasks at most as many at once as it runs, unless told otherwise', () => {
    expect(loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4' }).worker).toMatchObject({ maxConcurrentWorkflowTaskPolls: 4 });
    expect(loadConfig({ WORKER_WORKFLOW_TASK_POLLS: '20', WORKER_NON_STICKY_POLL_RATIO: '0.5' }).worker).toMatchObject({
      maxConcurrentWorkflowTaskPolls: 20,
      nonStickyToStickyPollRatio: 0.5,
    });
  });

  it('defaults production entries to JSON logs and metrics on every interface', () => {
    const config = loadConfig(PRODUCTION_WORKER, 'worker');
    expect(config).toMatchObject({ logLevel: 'info', logFormat: 'json', ops: { host: '0.0.0.0', metricsPort: 9464, healthPort: 9465 } });
    expect(config.temporal.tls).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'people',
      TEMPORAL_TASK_QUEUE: 'rapport-eu',
      DATABASE_URL: 'postgresql://rapport:secret@db:5432/rapport',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      SMTP_MAX_CONNECTIONS: '10',
      MAIL_FROM: 'Rapport <one-on-ones@example.com>',
      PUBLIC_BASE_URL: 'https://rapport.example.com',
      FORM_LINK_TTL_DAYS: '14',
      LOG_LEVEL: 'warn',
      RAPPORT_DATA_DIR: '/var/lib/rapport',
    });
    expect(config.messageIdDomain).toBe('example.com');
    expect(config.smtpMaxConnections).toBe(10);
    expect(config.formLinkTtlDays).toBe(14);
    expect(config.dataDir).toBe('/var/lib/rapport');
  });

  it('reads the organisation default for calendar invites, on unless CALENDAR_INVITES is off', () => {
    expect(loadConfig(PRODUCTION_WORKER, 'worker').calendarInvites).toBe(true);
    expect(loadConfig({ ...PRODUCTION_WORKER, CALENDAR_INVITES: 'off' }, 'worker').calendarInvites).toBe(false);
    expect(loadConfig({ ...PRODUCTION_WORKER, CALENDAR_INVITES: 'on' }, 'worker').calendarInvites).toBe(true);
    expect(loadConfig({ CALENDAR_INVITES: 'false' }).calendarInvites).toBe(false);
    // An empty value counts as unset.
    expect(loadConfig({ CALENDAR_INVITES: '' }).calendarInvites).toBe(true);
  });

  it("hands the organisation default for calendar invites to the worker's activities", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rapport-config-'));
    for (const [value, expected] of [
      ['off', false],
      ['on', true],
    ] as const) {
      const runtime = openActivityRuntime(loadConfig({ RAPPORT_DATA_DIR: dataDir, CALENDAR_INVITES: value }));
      expect(runtime.deps.calendarInvitesByDefault).toBe(expected);
      await runtime.close();
    }
  });

  it('reads the web edge: proxies to trust and the timeouts, off and short by default', () => {
    expect(loadConfig({}).web).toMatchObject({
      trustProxy: false,
      timeouts: { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, connectionMs: 60_000 },
    });
    expect(loadConfig({ TRUST_PROXY: '1' }).web.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).web.trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    expect(loadConfig({ TRUST_PROXY: 'off' }).web.trustProxy).toBe(false);
    const timeouts = loadConfig({
      WEB_REQUEST_TIMEOUT_SECONDS: '20',
      WEB_HEADERS_TIMEOUT_SECONDS: '5',
      WEB_KEEP_ALIVE_TIMEOUT_SECONDS: '2',
      WEB_CONNECTION_TIMEOUT_SECONDS: '30',
    }).web.timeouts;
    expect(timeouts).toEqual({ requestMs: 20_000, headersMs: 5_000, keepAliveMs: 2_000, connectionMs: 30_000 });
  });

  it('pools feedback on a manager from 3 reports unless FEEDBACK_POOL_MINIMUM says otherwise', () => {
    expect(loadConfig({}).web.feedbackPoolMinimum).toBe(3);
    expect(loadConfig({ FEEDBACK_POOL_MINIMUM: '5' }).web.feedbackPoolMinimum).toBe(5);
    expect(loadConfig({ FEEDBACK_POOL_MINIMUM: '' }).web.feedbackPoolMinimum).toBe(3);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'mysql://x', SMTP_URL: 'http://mail', FORM_LINK_TTL_DAYS: '0', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL: must start with file: \(SQLite\) or postgres:\/\//);
    expect(problems.join('\n')).toMatch(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/FORM_LINK_TTL_DAYS/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
  });

  it.each<[string, string, RegExp]>([
    ['TEMPORAL_ADDRESS', 'temporal', /must be host:port/],
    ['TEMPORAL_NAMESPACE', 'people prod', /must be letters, digits/],
    ['TEMPORAL_TASK_QUEUE', 'rapport/eu', /must be letters, digits/],
    ['DATABASE_URL', 'mysql://db/rapport', /must start with file: \(SQLite\) or postgres:\/\//],
    ['SMTP_URL', 'http://mail', /must be an smtp:\/\/ or smtps:\/\/ URL/],
    ['SMTP_MAX_CONNECTIONS', '0', /must be a whole number from 1 to 100/],
    ['MAIL_FROM', 'nobody', /must be an address/],
    ['PUBLIC_BASE_URL', 'rapport.example.com', /must be an http:\/\/ or https:\/\/ URL/],
    ['FORM_LINK_TTL_DAYS', '400', /must be a whole number from 1 to 365/],
    ['WEB_PORT', 'eighty', /must be a whole number from 0 to 65535/],
    ['RATE_LIMIT_PER_MINUTE', '-5', /must be a whole number from 1 to 100000/],
    ['FEEDBACK_POOL_MINIMUM', '1', /must be a whole number from 2 to 1000/],
    ['ANSWER_REDELIVERY_SECONDS', '1.5', /must be a whole number from 1 to 3600/],
    ['ADMIN_PASSWORD', 'short', /must be at least 12 characters/],
    ['SESSION_SECRET', 'too-short', /must be at least 32 characters/],
    ['LOG_LEVEL', 'loud', /must be one of trace, debug, info, warn, error/],
    ['LOG_FORMAT', 'xml', /must be one of json, text/],
    ['TEMPORAL_TLS', 'maybe', /must be true or false/],
    ['WORKER_MAX_CACHED_WORKFLOWS', 'lots', /must be a whole number from 0 to 100000/],
    ['WORKER_HEAP_MB', '64', /must be a whole number from 128 to 65536/],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1', /must be a whole number from 2 to 1000/],
    ['WORKER_WORKFLOW_TASK_POLLS', '1', /must be a whole number from 2 to 1000/],
    ['WORKER_WORKFLOW_TASK_POLLS', '50', /must not be more than WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(40\)/],
    ['WORKER_NON_STICKY_POLL_RATIO', 'half', /must be a number from 0.1 to 1, e.g. 0.5/],
    ['WORKER_NON_STICKY_POLL_RATIO', '2', /must be a number from 0.1 to 1, e.g. 0.5/],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0', /must be a whole number from 1 to 10000/],
    ['WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', '0', /must be a whole number from 1 to 10000/],
    ['WORKER_SHUTDOWN_GRACE_SECONDS', '-1', /must be a whole number from 0 to 3600/],
    ['METRICS_PORT', '70000', /must be a port from 1 to 65535, or off/],
    ['HEALTH_PORT', 'on', /must be a port from 1 to 65535, or off/],
    ['MIGRATE_ON_START', 'sometimes', /must be true or false/],
    ['DEMO_MODE', '2', /must be true or false/],
    ['CALENDAR_INVITES', 'sometimes', /must be on or off/],
    ['TEMPORAL_UI_PORT', '0', /must be a whole number from 1 to 65535/],
    ['TRUST_PROXY', 'yes please', /must be false, a number of proxy hops/],
    ['TRUST_PROXY', '10.0.0.0/33', /must be false, a number of proxy hops/],
    ['WEB_REQUEST_TIMEOUT_SECONDS', '0', /must be a whole number from 1 to 3600/],
    ['WEB_HEADERS_TIMEOUT_SECONDS', '40', /must not be longer than WEB_REQUEST_TIMEOUT_SECONDS/],
    ['WEB_KEEP_ALIVE_TIMEOUT_SECONDS', 'long', /must be a whole number from 1 to 3600/],
    ['WEB_CONNECTION_TIMEOUT_SECONDS', '-1', /must be a whole number from 1 to 3600/],
    ['TEMPORAL_TLS_CA_PATH', '/no/such/ca.pem', /TEMPORAL_TLS_CA_PATH: cannot read \/no\/such\/ca\.pem \(ENOENT\)/],
  ])('refuses a wrong %s with its own message', (name, value, message) => {
    const problems = problemsOf({ ...PRODUCTION_WORKER, [name]: value }, 'worker');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}`));
    expect(problems[0]).toMatch(message);
  });

  it('names every setting a production entry needs and has no safe default for', () => {
    expect(problemsOf({}, 'worker')).toEqual([
      'DATABASE_URL: must be set for the worker (e.g. postgresql://rapport:…@db:5432/rapport)',
      'SMTP_URL: must be set for the worker (e.g. smtp://user:pass@mail.example.com:587)',
      'MAIL_FROM: must be set for the worker (e.g. Rapport <rapport@example.com>)',
      'PUBLIC_BASE_URL: must be set for the worker (the address people open the form links at, e.g. https://rapport.example.com)',
    ]);
    expect(
      problemsOf(
        { DATABASE_URL: PRODUCTION_WORKER.DATABASE_URL, PUBLIC_BASE_URL: 'https://rapport.example.com', ADMIN_PASSWORD: 'correct horse battery' },
        'web',
      ),
    ).toEqual(['SESSION_SECRET: must be set when ADMIN_PASSWORD is, so that admin sessions survive restarts and work across instances']);
    expect(problemsOf({}, 'local')).toEqual([]);
  });

  it('reads TLS client certificates and an API key for Temporal Cloud', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-tls-'));
    const [cert, key, ca] = ['client.pem', 'client.key', 'ca.pem'].map((name) => {
      writeFileSync(join(dir, name), `-----BEGIN ${name}-----`);
      return join(dir, name);
    });
    const mtls = loadConfig(
      {
        ...PRODUCTION_WORKER,
        TEMPORAL_TLS_CERT_PATH: cert,
        TEMPORAL_TLS_KEY_PATH: key,
        TEMPORAL_TLS_CA_PATH: ca,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      },
      'worker',
    );
    expect(mtls.temporal.tls?.clientCertPair?.crt.toString()).toBe('-----BEGIN client.pem-----');
    expect(mtls.temporal.tls?.serverRootCACertificate?.toString()).toBe('-----BEGIN ca.pem-----');
    expect(mtls.temporal.tls?.serverNameOverride).toBe('temporal.internal');
    const cloud = loadConfig({ ...PRODUCTION_WORKER, TEMPORAL_ADDRESS: 'people.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' }, 'worker');
    expect(cloud.temporal).toMatchObject({ apiKey: 'key-123', tls: {} });
    expect(problemsOf({ ...PRODUCTION_WORKER, TEMPORAL_TLS_CERT_PATH: cert }, 'worker')).toEqual([
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: set both for mTLS, or neither',
    ]);
  });
});

describe('the production entries with a wrong configuration', () => {
  const run = async (entry: string, env: Record<string, string>) => {
    const process = startEntry(entry, env);
    return { code: await process.exited, stderr: process.output() };
  };

  it('the worker exits with 1, listing every problem and connecting to nothing', async () => {
    const { code, stderr } = await run('worker/run-worker.ts', { ...PRODUCTION_WORKER, SMTP_URL: 'http://mail', METRICS_PORT: 'x', MAIL_FROM: '' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      '  - MAIL_FROM: must be set for the worker (e.g. Rapport <rapport@example.com>)',
      '  - SMTP_URL: must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
      '  - METRICS_PORT: must be a port from 1 to 65535, or off',
    ]);
  });

  it('the web service exits with 1 too', async () => {
    const { code, stderr } = await run('server/main.ts', { PUBLIC_BASE_URL: 'https://rapport.example.com', WEB_PORT: '99999' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      '  - DATABASE_URL: must be set for the web service (e.g. postgresql://rapport:…@db:5432/rapport)',
      '  - WEB_PORT: must be a whole number from 0 to 65535',
    ]);
  });
});

describe('payload encryption settings', () => {
  const keyOf = (bytes: number, fill: number) => Buffer.alloc(bytes, fill).toString('base64');
  const KEY_A = keyOf(32, 1);
  const KEY_B = keyOf(32, 2);

  it('is off unless TEMPORAL_CODEC_KEYS is set', () => {
    expect(loadConfig({}).temporal.payloadCodec).toBeUndefined();
    expect(loadConfig(PRODUCTION_WORKER, 'worker').temporal.payloadCodec).toBeUndefined();
  });

  it('reads every key, encrypting with the first unless TEMPORAL_CODEC_KEY_ID names another', () => {
    const first = loadConfig({ ...PRODUCTION_WORKER, TEMPORAL_CODEC_KEYS: `2026-a:${KEY_A}, 2026-b:${KEY_B}` }, 'worker').temporal.payloadCodec;
    expect(first).toEqual({
      keys: [
        { id: '2026-a', key: Buffer.alloc(32, 1) },
        { id: '2026-b', key: Buffer.alloc(32, 2) },
      ],
      encryptingKeyId: '2026-a',
    });
    const rotated = loadConfig({ TEMPORAL_CODEC_KEYS: `2026-a:${KEY_A},2026-b:${KEY_B.replace(/=+$/, '')}`, TEMPORAL_CODEC_KEY_ID: '2026-b' });
    expect(rotated.temporal.payloadCodec?.encryptingKeyId).toBe('2026-b');
    expect(rotated.temporal.payloadCodec?.keys.map((key) => key.key.length)).toEqual([32, 32]);
  });

  it.each<[string, Record<string, string>, string[]]>([
    [
      'a key of the wrong length',
      { TEMPORAL_CODEC_KEYS: `a:${keyOf(16, 3)}` },
      ['TEMPORAL_CODEC_KEYS: entry 1 (key id a): the key must be exactly 32 bytes, not 16; make one with: openssl rand -base64 32'],
    ],
    [
      'a key that is not base64',
      { TEMPORAL_CODEC_KEYS: `a:${KEY_A},b:not*base64!` },
      ['TEMPORAL_CODEC_KEYS: entry 2 (key id b): the key must be base64; make one with: openssl rand -base64 32'],
    ],
    ['an entry without its key id', { TEMPORAL_CODEC_KEYS: KEY_A }, ['TEMPORAL_CODEC_KEYS: entry 1 must be keyId:base64key']],
    ['an empty entry', { TEMPORAL_CODEC_KEYS: `a:${KEY_A},` }, ['TEMPORAL_CODEC_KEYS: entry 2 is empty (a stray comma?)']],
    [
      'a key id with other characters',
      { TEMPORAL_CODEC_KEYS: `key one:${KEY_A}` },
      ['TEMPORAL_CODEC_KEYS: entry 1: the key id must be letters, digits, ".", "_" or "-", at most 64 (keyId:base64key)'],
    ],
    [
      'a key id too long',
      { TEMPORAL_CODEC_KEYS: `${'k'.repeat(65)}:${KEY_A}` },
      [expect.stringMatching(/^TEMPORAL_CODEC_KEYS: entry 1: the key id must be/) as string],
    ],
    ['a key id listed twice', { TEMPORAL_CODEC_KEYS: `a:${KEY_A},b:${KEY_B},a:${KEY_B}` }, ['TEMPORAL_CODEC_KEYS: key id a is listed more than once']],
    [
      'an entry written key first',
      { TEMPORAL_CODEC_KEYS: `${Buffer.alloc(32, 65).toString('base64').replace(/=+$/, '')}:a` },
      ['TEMPORAL_CODEC_KEYS: entry 1: its key id looks like a key; write keyId:base64key, the id first'],
    ],
    [
      'an encrypting key id that is not among the keys',
      { TEMPORAL_CODEC_KEYS: `a:${KEY_A},b:${KEY_B}`, TEMPORAL_CODEC_KEY_ID: 'c' },
      ['TEMPORAL_CODEC_KEY_ID: must be one of the key ids in TEMPORAL_CODEC_KEYS (a, b)'],
    ],
    [
      'an encrypting key id that is no key id',
      { TEMPORAL_CODEC_KEYS: `a:${KEY_A}`, TEMPORAL_CODEC_KEY_ID: KEY_B },
      ['TEMPORAL_CODEC_KEY_ID: must be a key id of TEMPORAL_CODEC_KEYS (letters, digits, ".", "_" or "-", at most 64)'],
    ],
    [
      'an encrypting key id without keys',
      { TEMPORAL_CODEC_KEY_ID: 'a' },
      ['TEMPORAL_CODEC_KEY_ID: names the key that encrypts, so TEMPORAL_CODEC_KEYS must be set too (keyId:base64key, …)'],
    ],
    [
      'a Temporal UI origin with a path',
      { TEMPORAL_UI_ORIGIN: 'http://localhost:8233/namespaces' },
      ['TEMPORAL_UI_ORIGIN: must be an origin, scheme://host[:port] in lower case with no path or trailing slash, e.g. http://localhost:8233'],
    ],
  ])('refuses %s with its own message, never quoting a key', (_case, env, expected) => {
    const problems = problemsOf({ ...PRODUCTION_WORKER, ...env }, 'worker');
    expect(problems).toEqual(expected);
    const keys = (env.TEMPORAL_CODEC_KEYS ?? '').split(/[,:]/).filter((part) => part.length >= 20);
    for (const key of [...keys, KEY_A, KEY_B, KEY_A.replace(/=+$/, '')]) expect(problems.join('\n')).not.toContain(key);
  });

  it('lists every wrong entry at once, with the other variables’ problems', () => {
    const problems = problemsOf({ TEMPORAL_CODEC_KEYS: `a:${keyOf(31, 4)},b:${keyOf(33, 5)},${KEY_A}`, LOG_LEVEL: 'loud' });
    expect(problems).toEqual([
      'LOG_LEVEL: must be one of trace, debug, info, warn, error',
      'TEMPORAL_CODEC_KEYS: entry 1 (key id a): the key must be exactly 32 bytes, not 31; make one with: openssl rand -base64 32',
      'TEMPORAL_CODEC_KEYS: entry 2 (key id b): the key must be exactly 32 bytes, not 33; make one with: openssl rand -base64 32',
      'TEMPORAL_CODEC_KEYS: entry 3 must be keyId:base64key',
    ]);
  });

  it('reads the Temporal UI origin the codec endpoint allows', () => {
    expect(loadConfig({}).admin.temporalUiOrigin).toBeUndefined();
    expect(loadConfig({ TEMPORAL_UI_ORIGIN: 'http://localhost:8233' }).admin.temporalUiOrigin).toBe('http://localhost:8233');
  });
});
