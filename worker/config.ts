// The one source of truth for configuration. Every option is an environment variable with a
// safe default where one exists; loadConfig reports every problem at once.
import { z } from 'zod';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

const urlWithScheme = (schemes: string[], hint: string) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, hint);

const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('rapport'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgres:// (PostgreSQL)')
    .default('file:./data/rapport.db'),
  SMTP_URL: urlWithScheme(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587').default(
    'smtp://127.0.0.1:2525',
  ),
  MAIL_FROM: z
    .string()
    .regex(/^[^\r\n]*<?[^\s<>@]+@[^\s<>@]+>?$/, 'must be an address, optionally with a name: Rapport <rapport@example.com>')
    .default('Rapport <rapport@localhost>'),
  PUBLIC_BASE_URL: urlWithScheme(['http:', 'https:'], 'must be an http:// or https:// URL').default('http://localhost:3000'),
  FORM_LINK_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  WEB_HOST: z.string().min(1).default('127.0.0.1'),
  WEB_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  ANSWER_REDELIVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  ADMIN_USER: z.string().min(1).max(100).default('admin'),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  RAPPORT_DATA_DIR: z.string().min(1).default('./data'),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface RapportConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  databaseUrl: string;
  smtpUrl: string;
  smtpMaxConnections: number;
  mailFrom: string;
  messageIdDomain: string;
  publicBaseUrl: string;
  formLinkTtlDays: number;
  web: { host: string; port: number; rateLimitPerMinute: number; answerRedeliverySeconds: number };
  /** Without ADMIN_PASSWORD the admin UI and API are off. */
  admin: { user: string; password?: string; sessionSecret?: string };
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RapportConfig {
  // Empty strings count as unset, as they do in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const raw = parsed.data;
  return {
    temporal: { address: raw.TEMPORAL_ADDRESS, namespace: raw.TEMPORAL_NAMESPACE, taskQueue: raw.TEMPORAL_TASK_QUEUE },
    databaseUrl: raw.DATABASE_URL,
    smtpUrl: raw.SMTP_URL,
    smtpMaxConnections: raw.SMTP_MAX_CONNECTIONS,
    mailFrom: raw.MAIL_FROM,
    messageIdDomain: domainOf(raw.MAIL_FROM),
    publicBaseUrl: raw.PUBLIC_BASE_URL,
    formLinkTtlDays: raw.FORM_LINK_TTL_DAYS,
    admin: { user: raw.ADMIN_USER, password: raw.ADMIN_PASSWORD, sessionSecret: raw.SESSION_SECRET },
    web: { host: raw.WEB_HOST, port: raw.WEB_PORT, rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE, answerRedeliverySeconds: raw.ANSWER_REDELIVERY_SECONDS },
    logLevel: raw.LOG_LEVEL,
    dataDir: raw.RAPPORT_DATA_DIR,
  };
}
