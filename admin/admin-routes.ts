// The admin's JSON API (and sign-in) under /admin. Every route but sign-in needs a session; form
// link tokens grant nothing here. State-changing requests must come from the service's own pages.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NewPair } from '../client/pairs';
import type { RapportPrisma } from '../prisma/database';
import { isRecord } from '../workflows/message-rules';
import { registerAdminPages } from './admin-pages';
import { AdminError, createPairAdmin } from './pair-admin';
import { createQuestionBankAdmin } from './question-bank-admin';
import { registerQuestionBankPages } from './question-bank-pages';
import {
  clearedSessionCookie,
  cookieValue,
  credentialsMatch,
  issueSession,
  sessionCookie,
  SESSION_COOKIE,
  verifySession,
  type AdminCredentials,
} from './admin-session';

export interface AdminOptions {
  db: RapportPrisma;
  temporal: Client;
  taskQueue: string;
  credentials: AdminCredentials;
  sessionSecret: string;
  /** Whether cookies get the Secure flag (PUBLIC_BASE_URL is https). */
  secureCookies: boolean;
  fromOwnPage: (request: FastifyRequest) => boolean;
  updateTimeoutMs?: number;
}

type PairRequest = FastifyRequest<{ Params: { pairId: string }; Body: unknown; Querystring: Record<string, string | undefined> }>;
type BankRequest = FastifyRequest<{ Params: { bankQuestionId: string }; Body: unknown; Querystring: { stage?: string } }>;


export async function registerAdminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { db, temporal } = options;
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 + 1024 }, (_request, body, done) => done(null, body));
  const adminOf = (request: FastifyRequest) => verifySession(cookieValue(request.headers.cookie, SESSION_COOKIE), options.sessionSecret);

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (!path.startsWith('/admin')) return;
    const signingIn = path === '/admin/login';
    if (request.method !== 'GET' && request.method !== 'HEAD' && !options.fromOwnPage(request)) {
      return reply.code(403).send({ problems: ['Admin changes must come from the admin pages (Origin or Sec-Fetch-Site).'] });
    }
    if (signingIn || adminOf(request)) return;
    if (path.startsWith('/admin/api/')) return reply.code(401).send({ problems: ['Sign in first.'] });
    return reply.code(303).header('Location', '/admin/login').send();
  });

  app.get('/admin/login', async (_request, reply) => reply.view('admin-login.hbs', { title: 'Sign in' }));

  app.post('/admin/login', { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {};
    if (!credentialsMatch(options.credentials, body.user, body.password)) {
      return reply.code(401).view('admin-login.hbs', { title: 'Sign in', error: 'That user name and password do not match.' });
    }
    reply.header('Set-Cookie', sessionCookie(issueSession(String(body.user), options.sessionSecret), options.secureCookies));
    return reply.code(303).header('Location', '/admin').send();
  });

  app.post('/admin/logout', async (_request, reply) =>
    reply.code(303).header('Set-Cookie', clearedSessionCookie(options.secureCookies)).header('Location', '/admin/login').send(),
  );

  const pairs = createPairAdmin({ db, temporal, taskQueue: options.taskQueue, updateTimeoutMs: options.updateTimeoutMs });
  const bank = createQuestionBankAdmin({ db, pairs });
  const body = (request: PairRequest) => (isRecord(request.body) ? request.body : {});
  const admin = (request: FastifyRequest) => adminOf(request) ?? 'admin';
  /** Runs an admin action and answers with its result, or with the AdminError's status and problems. */
  const answer = async (reply: FastifyReply, action: () => Promise<unknown>, status = 200) => {
    try {
      return reply.code(status).send(await action());
    } catch (error) {
      if (error instanceof AdminError) return reply.code(error.status).send({ problems: error.problems });
      throw error;
    }
  };
  registerAdminPages(app, pairs, bank, admin);
  registerQuestionBankPages(app, bank, admin);
  const filterOf = (query: Record<string, string | undefined>) => ({ manager: query.manager, paused: query.paused === 'true', chronicSkips: query.chronicSkips === 'true' });

  app.get('/admin', async (request: PairRequest, reply) => reply.view('admin-pairs.hbs', { title: 'Pairs', pairs: await pairs.listPairs(filterOf(request.query)) }));
  app.get('/admin/api/pairs', async (request: PairRequest, reply) => answer(reply, async () => ({ pairs: await pairs.listPairs(filterOf(request.query)) })));
  app.post('/admin/api/pairs', async (request, reply) => answer(reply, () => pairs.createPair(request.body as NewPair), 201));
  app.post('/admin/api/pairs/import', { bodyLimit: 2 * 1024 * 1024 + 1024 }, async (request, reply) => {
    if (typeof request.body !== 'string') return reply.code(415).send({ problems: ['Send the CSV file as text/csv.'] });
    const report = await pairs.importPairs(request.body);
    // A file that cannot be imported is refused like any other request: with its problems.
    if (report.fileProblems.length > 0) return reply.code(422).send({ ...report, problems: report.fileProblems });
    return reply.send(report);
  });
  app.get('/admin/api/pairs/:pairId', async (request: PairRequest, reply) => answer(reply, () => pairs.showPair(request.params.pairId)));
  app.post('/admin/api/pairs/:pairId/pause', async (request: PairRequest, reply) => answer(reply, () => pairs.pause(request.params.pairId)));
  app.post('/admin/api/pairs/:pairId/resume', async (request: PairRequest, reply) => answer(reply, () => pairs.resume(request.params.pairId)));
  app.post('/admin/api/pairs/:pairId/skip', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.skip(request.params.pairId, body(request).reason as string | undefined)),
  );
  app.post('/admin/api/pairs/:pairId/reschedule', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.reschedule(request.params.pairId, body(request).meetingAt as string)),
  );
  app.patch('/admin/api/pairs/:pairId/schedule', async (request: PairRequest, reply) => answer(reply, () => pairs.changeSchedule(request.params.pairId, body(request))));
  app.post('/admin/api/pairs/:pairId/end', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.end(request.params.pairId, body(request).reason as string | undefined)),
  );
  app.get('/admin/api/pairs/:pairId/question-set', async (request: PairRequest, reply) => answer(reply, () => pairs.questionSet(request.params.pairId)));
  app.put('/admin/api/pairs/:pairId/question-set', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.saveQuestionSet(request.params.pairId, body(request).stages, admin(request))),
  );
  app.get('/admin/api/pairs/:pairId/question-set/versions', async (request: PairRequest, reply) =>
    answer(reply, async () => ({ versions: await pairs.questionSetVersions(request.params.pairId) })),
  );
  app.post('/admin/api/pairs/:pairId/question-set/rollback', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.rollbackQuestionSet(request.params.pairId, body(request).version, admin(request))),
  );
  app.get('/admin/api/question-sets/org', async (_request, reply) => answer(reply, () => pairs.orgQuestionSet()));
  app.put('/admin/api/question-sets/org', async (request: PairRequest, reply) => answer(reply, () => pairs.saveOrgQuestionSet(body(request).stages, admin(request))));
  app.get('/admin/api/question-bank', async (request: BankRequest, reply) => answer(reply, async () => ({ questions: await bank.list(request.query.stage || undefined) })));
  app.post('/admin/api/question-bank', async (request: BankRequest, reply) => answer(reply, () => bank.add(request.body, admin(request)), 201));
  app.put('/admin/api/question-bank/:bankQuestionId', async (request: BankRequest, reply) => answer(reply, () => bank.edit(request.params.bankQuestionId, request.body)));
  app.delete('/admin/api/question-bank/:bankQuestionId', async (request: BankRequest, reply) => answer(reply, () => bank.archive(request.params.bankQuestionId)));
  app.post('/admin/api/pairs/:pairId/question-set/from-bank', async (request: PairRequest, reply) =>
    answer(reply, () => bank.addToPair(request.params.pairId, body(request).stage, body(request).bankQuestionId, admin(request))),
  );
  app.get('/admin/api/pairs/:pairId/suggestions', async (request: PairRequest, reply) =>
    answer(reply, async () => ({ suggestions: await pairs.suggestions(request.params.pairId) })),
  );
  app.post('/admin/api/pairs/:pairId/suggestions/:suggestionId', async (request: FastifyRequest<{ Params: { pairId: string; suggestionId: string }; Body: unknown }>, reply) =>
    answer(reply, () => pairs.decideSuggestion(request.params.pairId, request.params.suggestionId, isRecord(request.body) ? request.body.decision : undefined, admin(request))),
  );
  app.get('/admin/api/pairs/:pairId/history', async (request: PairRequest, reply) => answer(reply, () => pairs.history(request.params.pairId)));
  app.get('/admin/api/pairs/:pairId/export.json', async (request: PairRequest, reply) => answer(reply, () => pairs.exportJson(request.params.pairId)));
  app.get('/admin/api/pairs/:pairId/export.csv', async (request: PairRequest, reply) => {
    try {
      const csv = await pairs.exportCsv(request.params.pairId);
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="rapport-pair-${request.params.pairId}.csv"`)
        .send(csv);
    } catch (error) {
      if (error instanceof AdminError) return reply.code(error.status).send({ problems: error.problems });
      throw error;
    }
  });
}
