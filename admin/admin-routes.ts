// The admin's JSON API (and sign-in) under /admin. Every route but sign-in needs a session; form
// link tokens grant nothing here. State-changing requests must come from the service's own pages.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidPairError, PairExistsError, pairHandle, pairSettingsFromRow, registerPair, startPairWorkflow, type NewPair } from '../client/pairs';
import { exportPairCsv, exportPairJson } from './pair-export';
import { pairHistory } from './pair-history';
import { importPairs } from './pair-import';
import type { RapportPrisma } from '../prisma/database';
import { currentQuestionSet, savePairQuestionSet, type StoredQuestionSet } from '../question-sets/question-set-repository';
import { describeQuestionSetChange, questionSetProblems } from '../question-sets/question-set-rules';
import type { QuestionSetStages } from '../question-sets/question-types';
import {
  changeScheduleUpdate,
  endPairUpdate,
  pairStatusQuery,
  pauseUpdate,
  questionSetChangedUpdate,
  rescheduleMeetingUpdate,
  resumeUpdate,
  skipMeetingUpdate,
} from '../workflows/pair-messages';
import type { PairStatus } from '../workflows/pair-types';
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function registerAdminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { db, temporal } = options;
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 + 1024 }, (_request, body, done) => done(null, body));
  const timeout = options.updateTimeoutMs ?? 5_000;
  const withDeadline = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + timeout, fn);
  const adminOf = (request: FastifyRequest) => verifySession(cookieValue(request.headers.cookie, SESSION_COOKIE), options.sessionSecret);

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (!path.startsWith('/admin')) return;
    const signingIn = path === '/admin/login';
    if (request.method !== 'GET' && request.method !== 'HEAD' && !options.fromOwnPage(request)) {
      return reply.code(403).send({ error: 'Admin changes must come from the admin pages (Origin or Sec-Fetch-Site).' });
    }
    if (signingIn || adminOf(request)) return;
    if (path.startsWith('/admin/api/')) return reply.code(401).send({ error: 'Sign in first.' });
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

  /** Starts a stored pair's workflow if it is not running (a start that failed half-way); attaching is harmless. */
  async function ensureWorkflow(pairId: string): Promise<void> {
    const row = await db.pair.findUniqueOrThrow({ where: { id: pairId } });
    if (row.status === 'ended') return;
    await startPairWorkflow(temporal, options.taskQueue, pairId, pairSettingsFromRow(row)).catch(() => undefined);
  }

  async function statusOf(pairId: string): Promise<PairStatus | null> {
    try {
      return await temporal.connection.withDeadline(Date.now() + 2_000, () => pairHandle(temporal, pairId).query(pairStatusQuery));
    } catch {
      return null;
    }
  }

  async function listPairs(query: Record<string, string | undefined>) {
    const pairs = await db.pair.findMany({ orderBy: { createdAt: 'asc' } });
    const manager = query.manager?.toLowerCase();
    const matching = manager ? pairs.filter((p) => p.managerName.toLowerCase().includes(manager) || p.managerEmail.includes(manager)) : pairs;
    const withStatus = await Promise.all(matching.map(async (pair) => ({ pair, status: pair.status === 'ended' ? null : await statusOf(pair.id) })));
    return withStatus
      .filter(({ pair, status }) => (query.paused === 'true' ? status?.state === 'paused' : true) && (query.chronicSkips === 'true' ? (status?.consecutiveSkips ?? 0) >= pair.skipNudgeAfter : true))
      .map(({ pair, status }) => ({
        pairId: pair.id,
        manager: { name: pair.managerName, email: pair.managerEmail },
        report: { name: pair.reportName, email: pair.reportEmail },
        state: status?.state ?? pair.status,
        stage: status?.stage ?? null,
        cycle: status?.cycle ?? null,
        nextEvent: status?.nextEvents[0] ?? null,
        consecutiveSkips: status?.consecutiveSkips ?? null,
      }));
  }

  app.get('/admin', async (request: PairRequest, reply) => reply.view('admin-pairs.hbs', { title: 'Pairs', pairs: await listPairs(request.query) }));
  app.get('/admin/api/pairs', async (request: PairRequest) => ({ pairs: await listPairs(request.query) }));

  app.post('/admin/api/pairs', async (request, reply) => {
    try {
      const { pairId, settings } = await registerPair(db, request.body as NewPair);
      await startPairWorkflow(temporal, options.taskQueue, pairId, settings);
      return reply.code(201).send({ pairId });
    } catch (error) {
      if (error instanceof InvalidPairError) return reply.code(422).send({ problems: error.problems });
      if (error instanceof PairExistsError) {
        await ensureWorkflow(error.pairId);
        return reply.code(409).send({ error: error.message, pairId: error.pairId });
      }
      throw error;
    }
  });

  app.post('/admin/api/pairs/import', { bodyLimit: 2 * 1024 * 1024 + 1024 }, async (request, reply) => {
    if (typeof request.body !== 'string') return reply.code(415).send({ error: 'Send the CSV file as text/csv.' });
    const report = await importPairs(request.body, async (pair) => {
      const { pairId, settings } = await registerPair(db, pair);
      await startPairWorkflow(temporal, options.taskQueue, pairId, settings);
      return { pairId };
    });
    return reply.code(report.fileProblems.length > 0 ? 422 : 200).send(report);
  });

  app.get('/admin/api/pairs/:pairId/history', async (request: PairRequest, reply) => onPair(request, reply, (id) => pairHistory(db, id)));
  app.get('/admin/api/pairs/:pairId/export.json', async (request: PairRequest, reply) => onPair(request, reply, (id) => exportPairJson(db, id)));
  app.get('/admin/api/pairs/:pairId/export.csv', async (request: PairRequest, reply) => {
    const pair = await db.pair.findUnique({ where: { id: request.params.pairId } });
    if (!pair) return reply.code(404).send({ error: 'No such pair.' });
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="rapport-pair-${pair.id}.csv"`)
      .send(await exportPairCsv(db, pair.id));
  });

  /** Finds the pair or answers 404; then runs fn and maps a workflow's refusal to 422. */
  async function onPair(request: PairRequest, reply: FastifyReply, fn: (pairId: string) => Promise<unknown>) {
    const pair = await db.pair.findUnique({ where: { id: request.params.pairId } });
    if (!pair) return reply.code(404).send({ error: 'No such pair.' });
    try {
      return reply.send(await fn(pair.id));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return reply.code(422).send({ problems: [error.cause?.message ?? 'refused'] });
      if (error instanceof WorkflowNotFoundError) return reply.code(409).send({ error: 'This pair has ended.' });
      throw error;
    }
  }
  const body = (request: PairRequest) => (isRecord(request.body) ? request.body : {});
  const update = (pairId: string) => pairHandle(temporal, pairId);

  app.get('/admin/api/pairs/:pairId', async (request: PairRequest, reply) =>
    onPair(request, reply, async (pairId) => ({ pair: await db.pair.findUniqueOrThrow({ where: { id: pairId } }), status: await statusOf(pairId) })),
  );
  app.post('/admin/api/pairs/:pairId/pause', async (request: PairRequest, reply) => onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(pauseUpdate))));
  app.post('/admin/api/pairs/:pairId/resume', async (request: PairRequest, reply) => onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(resumeUpdate))));
  app.post('/admin/api/pairs/:pairId/skip', async (request: PairRequest, reply) =>
    onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(skipMeetingUpdate, { args: [{ by: 'admin', reason: body(request).reason as string | undefined }] }))),
  );
  app.post('/admin/api/pairs/:pairId/reschedule', async (request: PairRequest, reply) =>
    onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: body(request).meetingAt as string }] }))),
  );
  app.patch('/admin/api/pairs/:pairId/schedule', async (request: PairRequest, reply) =>
    onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(changeScheduleUpdate, { args: [body(request)] }))),
  );
  app.post('/admin/api/pairs/:pairId/end', async (request: PairRequest, reply) =>
    onPair(request, reply, (id) => withDeadline(() => update(id).executeUpdate(endPairUpdate, { args: [{ reason: body(request).reason as string | undefined }] }))),
  );

  const questionSetView = (set: StoredQuestionSet) => ({ version: set.version, scope: set.scope === 'org' ? 'org' : 'pair', stages: set.stages });

  /** Saves a new version and tells the running workflow; the save stands even if it cannot be told. */
  async function saveVersion(pairId: string, stages: QuestionSetStages, admin: string, note: string) {
    const saved = await savePairQuestionSet(db, pairId, stages, admin, note);
    const notified = await withDeadline(() => update(pairId).executeUpdate(questionSetChangedUpdate, { args: [{ version: saved.version }] })).then(
      () => true,
      () => false,
    );
    return { version: saved.version, change: note, notified };
  }

  app.get('/admin/api/pairs/:pairId/question-set', async (request: PairRequest, reply) => onPair(request, reply, async (id) => questionSetView(await currentQuestionSet(db, id))));

  app.put('/admin/api/pairs/:pairId/question-set', async (request: PairRequest, reply) => {
    const stages = body(request).stages;
    const problems = questionSetProblems(stages);
    if (problems.length > 0) return reply.code(422).send({ problems });
    return onPair(request, reply, async (id) => {
      const before = await currentQuestionSet(db, id);
      const change = describeQuestionSetChange(before.stages, stages as QuestionSetStages);
      return saveVersion(id, stages as QuestionSetStages, adminOf(request) ?? 'admin', change);
    });
  });

  app.get('/admin/api/pairs/:pairId/question-set/versions', async (request: PairRequest, reply) =>
    onPair(request, reply, async (id) => {
      const rows = await db.questionSet.findMany({ where: { scope: { in: [id, 'org'] } }, orderBy: [{ version: 'asc' }, { scope: 'asc' }] });
      return { versions: rows.map((r) => ({ version: r.version, scope: r.scope === 'org' ? 'org' : 'pair', createdBy: r.createdBy, createdAt: r.createdAt, note: r.note })) };
    }),
  );

  app.post('/admin/api/pairs/:pairId/question-set/rollback', async (request: PairRequest, reply) => {
    const version = body(request).version;
    if (!Number.isInteger(version)) return reply.code(422).send({ problems: ['version must be a whole number'] });
    const id = request.params.pairId;
    const target =
      (await db.questionSet.findFirst({ where: { scope: id, version: version as number } })) ??
      (await db.questionSet.findFirst({ where: { scope: 'org', version: version as number } }));
    if (!target) return reply.code(422).send({ problems: [`there is no version ${String(version)}`] });
    return onPair(request, reply, () =>
      saveVersion(id, JSON.parse(target.stages) as QuestionSetStages, adminOf(request) ?? 'admin', `rolled back to version ${target.version}`),
    );
  });
}
