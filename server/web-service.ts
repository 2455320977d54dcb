// Starts the web service from configuration: used by its production entry and by the main job.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RapportPrisma } from '../prisma/database';
import type { RapportConfig } from '../config/config';
import { payloadCodecFor } from '../temporal/payload-codec';
import { startAnswerRedelivery } from '../web/answer-delivery';
import { buildWebServer } from './web-server';

export interface RunningWebService {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

function adminOptions(config: RapportConfig) {
  const { user, password, sessionSecret, temporalUiOrigin, timeZone } = config.admin;
  if (!password) return undefined;
  const payloadCodec = payloadCodecFor(config.temporal.payloadCodec);
  return {
    taskQueue: config.temporal.taskQueue,
    credentials: { user, password },
    // Without a configured secret, sessions last until the service restarts.
    sessionSecret: sessionSecret ?? randomBytes(32).toString('base64url'),
    secureCookies: config.publicBaseUrl.startsWith('https:'),
    timeZone,
    ...(payloadCodec ? { payloadCodec } : {}),
    ...(temporalUiOrigin ? { temporalUiOrigin } : {}),
  };
}

export interface LocalWebOptions {
  /** Routes of the local stack's own (the main job's mail viewer), registered before the service listens. */
  localRoutes?: FastifyPluginAsync;
  /**
   * The only Host headers answered (lower-case, with the port, e.g. localhost:3000); any other gets
   * 421 before its route runs, against DNS rebinding (main job only).
   */
  allowedHosts?: string[];
}

export async function startWebService(config: RapportConfig, db: RapportPrisma, temporal: Client, local: LocalWebOptions = {}): Promise<RunningWebService> {
  const app = await buildWebServer({
    db,
    temporal,
    publicBaseUrl: config.publicBaseUrl,
    rateLimitPerMinute: config.web.rateLimitPerMinute,
    feedbackPoolMinimum: config.web.feedbackPoolMinimum,
    trustProxy: config.web.trustProxy,
    timeouts: config.web.timeouts,
    logLevel: config.logLevel,
    admin: adminOptions(config),
    // Only the main job passes it: production (npm run web) is reached through its own proxy.
    ...(local.allowedHosts ? { allowedHosts: local.allowedHosts } : {}),
  });
  if (local.localRoutes) await app.register(local.localRoutes);
  await app.listen({ host: config.web.host, port: config.web.port });
  const stopRedelivery = startAnswerRedelivery({ db, temporal, updateTimeoutMs: 5_000 }, config.web.answerRedeliverySeconds * 1_000, (error) =>
    app.log.warn({ err: error }, 'answer redelivery pass failed'),
  );
  return {
    app,
    url: `http://${config.web.host}:${config.web.port}`,
    async stop() {
      await stopRedelivery();
      await app.close();
    },
  };
}
