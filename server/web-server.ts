// The web service pairs answer from (server-rendered forms behind unguessable links, no account)
// and, when configured, the admin. Each part is its own encapsulated plugin with its own guards and
// body parsers, so what protects a route is decided by the route that matched, never by the raw URL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import rateLimit from '@fastify/rate-limit';
import view from '@fastify/view';
import { PAGE_PARTIALS } from '../templates/page-partials';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { registerAdminRoutes, type AdminOptions } from '../admin/admin-routes';
import type { RapportPrisma } from '../prisma/database';
import { refuseOtherHosts } from '../http/host-check';
import { registerLinkRoutes } from '../web/link-routes';
import { DEFAULT_FEEDBACK_POOL_MINIMUM } from '../pairs/feedback-pool';
import { loggedPath } from '../http/request-log';
import { pageNotFound, refuseRequest, SECURITY_HEADERS, unroutableUrl } from '../http/request-refusals';

export const PAGES_DIR = join(__dirname, '..', 'templates', 'pages');
export { LINK_BODY_LIMIT, MAX_SUGGESTION_LENGTH } from '../web/link-routes';

/** How long a client gets to send its request, and how long an idle connection is kept. */
export interface WebTimeouts {
  /** The whole request, headers and body (Node's requestTimeout). */
  requestMs: number;
  /** The request's headers (Node's headersTimeout). */
  headersMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveMs: number;
  /** A socket with no traffic at all (Fastify's connectionTimeout). */
  connectionMs: number;
}

export const DEFAULT_TIMEOUTS: WebTimeouts = { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, connectionMs: 60_000 };

/** Fastify's trustProxy: off, a number of proxy hops, or the proxies' addresses (CIDR ranges allowed). */
export type TrustProxy = false | number | string[];

export interface WebDeps {
  db: RapportPrisma;
  temporal: Client;
  publicBaseUrl: string;
  rateLimitPerMinute: number;
  updateTimeoutMs?: number;
  /** The fewest reports whose pooled feedback a manager's page shows; DEFAULT_FEEDBACK_POOL_MINIMUM when left out. */
  feedbackPoolMinimum?: number;
  logLevel?: string;
  /** Where the request log goes (standard output when left out). */
  logStream?: { write(line: string): void };
  /** The admin UI and API; left out, no /admin route exists. */
  admin?: Omit<AdminOptions, 'db' | 'temporal' | 'fromOwnPage'>;
  timeouts?: WebTimeouts;
  trustProxy?: TrustProxy;
  /** The only Host headers answered (lower-case, with the port); the main job's defence against DNS rebinding. */
  allowedHosts?: readonly string[];
}

/** A hop count becomes the function Fastify would make of it (its types take no number). */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

export async function buildWebServer(deps: WebDeps): Promise<FastifyInstance> {
  const allowedOrigin = new URL(deps.publicBaseUrl).origin;
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const app = Fastify({
    // Each plugin sets its own, smaller limit; this bounds anything that would slip past them.
    bodyLimit: 64 * 1024,
    trustProxy: fastifyTrustProxy(deps.trustProxy ?? false),
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node checks the request and header deadlines on this interval (30 s by default).
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs) },
    frameworkErrors: (_error, request, reply) => void unroutableUrl(app, request, reply),
    logger: deps.logLevel
      ? {
          level: deps.logLevel,
          ...(deps.logStream ? { stream: deps.logStream } : {}),
          serializers: { req: (request: FastifyRequest) => ({ method: request.method, url: loggedPath(request), remoteAddress: request.ip }) },
        }
      : false,
  });
  if (deps.allowedHosts) refuseOtherHosts(app, deps.allowedHosts);
  // No route reads a body unless its plugin adds the parser for it.
  app.removeAllContentTypeParsers();
  await app.register(rateLimit, { global: false });
  await app.register(view, {
    engine: { handlebars: Handlebars.create() },
    root: PAGES_DIR,
    layout: 'layout.hbs',
    // Parts of a page kept in files of their own (templates/pages/partials/).
    options: { partials: { ...PAGE_PARTIALS } },
    production: true,
  });
  const stylesheet = readFileSync(join(PAGES_DIR, 'rapport.css'));
  const favicon = readFileSync(join(PAGES_DIR, 'favicon.svg'));

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
  });

  app.setErrorHandler(refuseRequest);
  app.setNotFoundHandler(pageNotFound);

  /** Cross-site POSTs (and buttons pressed by tools that are not the page) are refused. */
  const fromOwnPage = (request: FastifyRequest): boolean => {
    const site = request.headers['sec-fetch-site'];
    if (typeof site === 'string') return site === 'same-origin';
    return request.headers.origin === allowedOrigin;
  };

  app.get('/healthz', async () => ({ ok: true }));
  // Ready only while the database answers: without it no answer can be saved.
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.db.$queryRawUnsafe('SELECT 1');
      return { ready: true };
    } catch (error) {
      return reply.code(503).send({ ready: false, problems: [`database: ${(error as Error).message.split('\n')[0]}`] });
    }
  });
  app.get('/assets/rapport.css', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(stylesheet),
  );

  const sendFavicon = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(favicon);
  app.get('/assets/favicon.svg', sendFavicon);
  // Where browsers look when a page names no icon (the mail viewer's raw pages, say).
  app.get('/favicon.ico', sendFavicon);

  await app.register(registerLinkRoutes, {
    db: deps.db,
    temporal: deps.temporal,
    rateLimitPerMinute: deps.rateLimitPerMinute,
    updateTimeoutMs: deps.updateTimeoutMs ?? 5_000,
    fromOwnPage,
    feedbackPoolMinimum: deps.feedbackPoolMinimum ?? DEFAULT_FEEDBACK_POOL_MINIMUM,
  });
  if (deps.admin) {
    await app.register(registerAdminRoutes, { prefix: '/admin', ...deps.admin, db: deps.db, temporal: deps.temporal, fromOwnPage });
  }
  return app;
}
