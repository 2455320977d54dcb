// Request limits of the web service, each counted per minute under its own key: per client address
// and route, per link token, per sign-in name. Several limits can guard one route, and the first
// one exceeded answers; behind a proxy the client address is the one TRUST_PROXY lets Fastify read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface RequestLimit {
  /** Requests per minute under one key. */
  max: number;
  /** The key a request is counted under; undefined leaves it uncounted by this limit. */
  keyOf(request: FastifyRequest): string | undefined;
}

export type LimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** A hook (onRequest, or preHandler where a key needs the body) that refuses a request over any limit. */
export function limitHook(app: FastifyInstance, limits: RequestLimit[], refuse: (reply: FastifyReply) => unknown): LimitHook {
  const checks = limits.map((limit) => ({
    limit,
    check: app.createRateLimit({ max: limit.max, timeWindow: 60_000, keyGenerator: (request) => limit.keyOf(request) ?? '' }),
  }));
  return async (request, reply) => {
    for (const { limit, check } of checks) {
      if (limit.keyOf(request) === undefined) continue;
      const result = await check(request);
      if (result.isAllowed || !result.isExceeded) continue;
      reply.header('Retry-After', String(Math.max(1, result.ttlInSeconds)));
      await refuse(reply.code(429));
      return reply;
    }
    return undefined;
  };
}

/** Per client address on each route: one noisy address does not use up another's allowance. */
export const perAddressAndRoute = (max: number): RequestLimit => ({
  max,
  keyOf: (request) => `address:${request.ip}|${request.routeOptions.url ?? ''}`,
});

/** Per link token, across its routes: a link shared or leaked cannot be used to flood a pair. */
export const perToken = (max: number): RequestLimit => ({
  max,
  keyOf: (request) => {
    const token = (request.params as { token?: unknown } | undefined)?.token;
    return typeof token === 'string' ? `token:${token}` : undefined;
  },
});
