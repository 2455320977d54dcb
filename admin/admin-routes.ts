// The admin under /admin: sign-in, the pages and the JSON API, as one encapsulated plugin whose
// hooks guard exactly its routes, whatever spelling of the path reached them. Every change must come
// from the admin pages (Origin / Sec-Fetch-Site); every route but sign-in needs a live session, kept
// in the database so that signing out ends it. Form link tokens grant nothing here. The codec
// endpoint for the Temporal UI and CLI (codec-routes.ts) sits beside the pages with a guard of its own.
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NewPair } from '../pairs/registration';
import type { RapportPrisma } from '../prisma/database';
import { view } from '../http/page-view';
import { limitHook, type RequestLimit } from '../http/request-limits';
import { apiRouteNotFound, refuseApiRequest, tooManyRequestsPage } from '../http/request-refusals';
import { isRecord } from '../workflows/message-rules';
import { registerAdminPages } from './admin-pages';
import { newPairSettingsInputs, workingDaysAndInvitesInputs } from './pair-forms';
import { registerCodecRoutes } from './codec-routes';
import { AdminError, createPairAdmin, type PairAdmin } from '../pairs/pair-admin';
import { submissionIdOf } from '../pairs/submission-ids';
import { overviewCsv, overviewSections, overviewWeeks } from '../pairs/org-overview';
import { sentencesOf } from '../workflows/problem-list';
import { createQuestionBankAdmin, type QuestionBankAdmin } from './question-bank-admin';
import { registerQuestionBankPages } from './question-bank-pages';
import {
  clearedSessionCookie,
  cookieValue,
  createSessionStore,
  credentialsMatch,
  sessionCookie,
  SESSION_COOKIE,
  type AdminCredentials,
  type SessionStore,
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
  /** The payload codec when payload encryption is on; the codec endpoint decodes with it. */
  payloadCodec?: PayloadCodec;
  /** The Temporal UI's origin, allowed to call the codec endpoint from the browser (TEMPORAL_UI_ORIGIN). */
  temporalUiOrigin?: string;
  /** The admin's own zone (ADMIN_TIME_ZONE), shown beside a pair's times; the server's zone when left out. */
  timeZone?: string;
}

type PairRequest = FastifyRequest<{ Params: { pairId: string }; Body: unknown; Querystring: Record<string, string | undefined> }>;
type BankRequest = FastifyRequest<{ Params: { bankQuestionId: string }; Body: unknown; Querystring: { stage?: string } }>;

const CSV_LIMIT = 2 * 1024 * 1024 + 1024;
const ORIGIN_PROBLEM = 'Admin changes must come from the admin pages (Origin or Sec-Fetch-Site).';

/** Sign-in attempts per minute: per client address, and per address and user name together. */
export const SIGN_IN_LIMITS = { perAddress: 30, perAddressAndUser: 10 };

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in admin, set by the session check of the admin's pages and API. */
    adminUser: string | null;
  }
}

const signInName = (request: FastifyRequest): string => {
  const user = isRecord(request.body) ? request.body.user : undefined;
  return typeof user === 'string' ? user.trim().toLowerCase().slice(0, 100) : '';
};

const signInLimits: RequestLimit[] = [
  { max: SIGN_IN_LIMITS.perAddress, keyOf: (request) => `sign-in:${request.ip}` },
  { max: SIGN_IN_LIMITS.perAddressAndUser, keyOf: (request) => `sign-in:${request.ip}|${signInName(request)}` },
];

/** The admin plugin, registered with the /admin prefix. */
export async function registerAdminRoutes(admin: FastifyInstance, options: AdminOptions): Promise<void> {
  const sessions = createSessionStore(options.db, options.sessionSecret);
  admin.decorateRequest('adminUser', null);
  await admin.register(async (ownPages) => registerOwnPages(ownPages, options, sessions));
  // Called by the Temporal CLI and UI, not from the admin pages: its own session and origin guard.
  await registerCodecRoutes(admin, {
    sessions,
    payloadCodec: options.payloadCodec,
    temporalUiOrigin: options.temporalUiOrigin,
    fromOwnPage: options.fromOwnPage,
  });
}

/** Sign-in and sign-out, the pages and the API: every change from the admin pages only. */
async function registerOwnPages(admin: FastifyInstance, options: AdminOptions, sessions: SessionStore): Promise<void> {
  await admin.register(formbody);

  admin.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || options.fromOwnPage(request)) return undefined;
    return reply.code(403).send({ problems: [ORIGIN_PROBLEM] });
  });

  admin.get('/login', async (_request, reply) => view(reply, 'admin-login.hbs', { title: 'Sign in' }));

  // The limits need the user name, so they run once the body is read.
  admin.post('/login', { preHandler: limitHook(admin, signInLimits, tooManyRequestsPage) }, async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {};
    if (!credentialsMatch(options.credentials, body.user, body.password)) {
      return view(reply.code(401), 'admin-login.hbs', { title: 'Sign in', error: 'That user name and password do not match.' });
    }
    reply.header('Set-Cookie', sessionCookie(await sessions.issue(String(body.user)), options.secureCookies));
    return reply.code(303).header('Location', '/admin').send();
  });

  await admin.register(async (logout) => {
    // Signing out reads nothing but the cookie, whatever a client sends with it.
    logout.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, _body, done) => done(null, undefined));
    logout.post('/logout', async (request, reply) => {
      await sessions.revoke(cookieValue(request.headers.cookie, SESSION_COOKIE));
      return reply.code(303).header('Set-Cookie', clearedSessionCookie(options.secureCookies)).header('Location', '/admin/login').send();
    });
  });

  const pairs = createPairAdmin({ db: options.db, temporal: options.temporal, taskQueue: options.taskQueue, updateTimeoutMs: options.updateTimeoutMs });
  const bank = createQuestionBankAdmin({ db: options.db, pairs });
  await admin.register(async (pages) => {
    pages.addHook(
      'onRequest',
      requireSession(sessions, (reply) => reply.code(303).header('Location', '/admin/login').send()),
    );
    registerPages(pages, pairs, bank, options.timeZone);
  });
  await admin.register(
    async (api) => {
      api.addHook(
        'onRequest',
        requireSession(sessions, (reply) => reply.code(401).send({ problems: ['Sign in first.'] })),
      );
      api.setErrorHandler(refuseApiRequest);
      api.setNotFoundHandler(apiRouteNotFound);
      await registerApi(api, pairs, bank);
    },
    { prefix: '/api' },
  );
}

/** An onRequest hook that lets a request on only with a live session, and says who is signed in. */
function requireSession(sessions: SessionStore, refuse: (reply: FastifyReply) => FastifyReply) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    request.adminUser = await sessions.verify(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (request.adminUser === null) return refuse(reply);
    return undefined;
  };
}

const adminName = (request: FastifyRequest) => request.adminUser ?? 'admin';

function registerPages(pages: FastifyInstance, pairs: PairAdmin, bank: QuestionBankAdmin, adminTimeZone?: string): void {
  // The list's q, filter, sort and page (pair-list.ts); ones that cannot be read are shown as problems.
  pages.get('/', async (request: PairRequest, reply) => {
    const { status, list } = await pairs.listView(request.query);
    return view(reply.code(status), 'admin-pairs.hbs', {
      title: 'Pairs',
      list,
      newPair: workingDaysAndInvitesInputs({}),
      newPairSettings: newPairSettingsInputs(),
    });
  });
  // The organisation overview (org-overview.ts), over ?weeks=N, and its table as CSV.
  pages.get('/overview', async (request: PairRequest, reply) => {
    const { weeks, problems } = overviewWeeks(request.query);
    const sections = overviewSections(await pairs.overview(weeks));
    const context = { title: 'Organisation overview', weeks, problems: sentencesOf(problems), sections, csvHref: `/admin/overview.csv?weeks=${weeks}` };
    return view(reply.code(problems.length > 0 ? 422 : 200), 'admin-overview.hbs', context);
  });
  pages.get('/overview.csv', async (request: PairRequest, reply) => {
    const { weeks, problems } = overviewWeeks(request.query);
    if (problems.length > 0) return reply.code(422).type('text/plain; charset=utf-8').send(sentencesOf(problems).join('\n'));
    const csv = overviewCsv(overviewSections(await pairs.overview(weeks)));
    return reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="rapport-overview-${weeks}-weeks.csv"`).send(csv);
  });
  registerAdminPages(pages, pairs, bank, adminName, adminTimeZone);
  registerQuestionBankPages(pages, bank, adminName);
}

async function registerApi(app: FastifyInstance, pairs: PairAdmin, bank: QuestionBankAdmin): Promise<void> {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  const admin = adminName;
  const body = (request: PairRequest) => (isRecord(request.body) ? request.body : {});
  /** Runs an admin action and answers with its result, or with the AdminError's status and problems. */
  const answer = async (reply: FastifyReply, action: () => Promise<unknown>, status = 200) => {
    try {
      return reply.code(status).send(await action());
    } catch (error) {
      if (error instanceof AdminError) return reply.code(error.status).send({ problems: error.sentences });
      throw error;
    }
  };

  app.get('/pairs', async (request: PairRequest, reply) =>
    answer(reply, async () => {
      const { pairs: page, total, page: number, pageSize, pages } = await pairs.listPage(request.query);
      return { pairs: page, total, page: number, pageSize, pages };
    }),
  );
  app.post('/pairs', async (request, reply) => answer(reply, () => pairs.createPair(request.body as NewPair), 201));
  // The one route that reads CSV, and the one allowed a larger body.
  await app.register(async (csvImport) => {
    csvImport.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_request, text, done) => done(null, text));
    csvImport.post('/pairs/import', { bodyLimit: CSV_LIMIT }, async (request, reply) => {
      if (typeof request.body !== 'string') return reply.code(415).send({ problems: ['Send the CSV file as text/csv.'] });
      const report = await pairs.importPairs(request.body);
      // A file that cannot be imported is refused like any other request: with its problems.
      if (report.fileProblems.length > 0) return reply.code(422).send({ ...report, problems: report.fileProblems });
      return reply.send(report);
    });
  });
  app.get('/pairs/:pairId', async (request: PairRequest, reply) => answer(reply, () => pairs.showPair(request.params.pairId)));
  // A request sent again with the same Idempotency-Key header is applied once.
  const submission = (request: FastifyRequest) => submissionIdOf(request.headers['idempotency-key']);
  app.post('/pairs/:pairId/pause', async (request: PairRequest, reply) => answer(reply, () => pairs.pause(request.params.pairId, submission(request))));
  app.post('/pairs/:pairId/resume', async (request: PairRequest, reply) => answer(reply, () => pairs.resume(request.params.pairId, submission(request))));
  app.post('/pairs/:pairId/skip', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.skip(request.params.pairId, body(request).reason, submission(request))),
  );
  app.post('/pairs/:pairId/reschedule', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.reschedule(request.params.pairId, body(request).meetingAt as string, submission(request))),
  );
  app.patch('/pairs/:pairId/schedule', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.changeSchedule(request.params.pairId, body(request), submission(request))),
  );
  app.post('/pairs/:pairId/end', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.end(request.params.pairId, body(request).reason, submission(request))),
  );
  app.post('/pairs/:pairId/restart', async (request: PairRequest, reply) => answer(reply, () => pairs.restart(request.params.pairId)));
  app.get('/pairs/:pairId/question-set', async (request: PairRequest, reply) => answer(reply, () => pairs.questionSet(request.params.pairId)));
  app.put('/pairs/:pairId/question-set', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.saveQuestionSet(request.params.pairId, body(request).stages, admin(request))),
  );
  app.get('/pairs/:pairId/question-set/versions', async (request: PairRequest, reply) =>
    answer(reply, async () => ({ versions: await pairs.questionSetVersions(request.params.pairId) })),
  );
  app.post('/pairs/:pairId/question-set/rollback', async (request: PairRequest, reply) =>
    answer(reply, () => pairs.rollbackQuestionSet(request.params.pairId, body(request).version, admin(request))),
  );
  app.get('/question-sets/org', async (_request, reply) => answer(reply, () => pairs.orgQuestionSet()));
  app.put('/question-sets/org', async (request: PairRequest, reply) => answer(reply, () => pairs.saveOrgQuestionSet(body(request).stages, admin(request))));
  app.get('/question-bank', async (request: BankRequest, reply) =>
    answer(reply, async () => ({ questions: await bank.list(request.query.stage || undefined) })),
  );
  app.post('/question-bank', async (request: BankRequest, reply) => answer(reply, () => bank.add(request.body, admin(request)), 201));
  app.put('/question-bank/:bankQuestionId', async (request: BankRequest, reply) => answer(reply, () => bank.edit(request.params.bankQuestionId, request.body)));
  app.delete('/question-bank/:bankQuestionId', async (request: BankRequest, reply) => answer(reply, () => bank.archive(request.params.bankQuestionId)));
  app.post('/pairs/:pairId/question-set/from-bank', async (request: PairRequest, reply) =>
    answer(reply, () => bank.addToPair(request.params.pairId, body(request).stage, body(request).bankQuestionId, admin(request))),
  );
  app.get('/pairs/:pairId/suggestions', async (request: PairRequest, reply) =>
    answer(reply, async () => ({ suggestions: await pairs.suggestions(request.params.pairId) })),
  );
  app.post(
    '/pairs/:pairId/suggestions/:suggestionId',
    async (request: FastifyRequest<{ Params: { pairId: string; suggestionId: string }; Body: unknown }>, reply) =>
      answer(reply, () =>
        pairs.decideSuggestion(request.params.pairId, request.params.suggestionId, isRecord(request.body) ? request.body.decision : undefined, admin(request)),
      ),
  );
  app.get('/pairs/:pairId/history', async (request: PairRequest, reply) => answer(reply, () => pairs.history(request.params.pairId)));
  app.get('/pairs/:pairId/export.json', async (request: PairRequest, reply) => answer(reply, () => pairs.exportJson(request.params.pairId)));
  app.get('/pairs/:pairId/export.csv', async (request: PairRequest, reply) => {
    try {
      const csv = await pairs.exportCsv(request.params.pairId);
      return reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="rapport-pair-${request.params.pairId}.csv"`).send(csv);
    } catch (error) {
      if (error instanceof AdminError) return reply.code(error.status).send({ problems: error.sentences });
      throw error;
    }
  });
}
