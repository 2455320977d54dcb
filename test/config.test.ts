import { ConfigError, loadConfig } from '../worker/config';

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
      logLevel: 'info',
    });
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
});
