// A Host allowlist, for the main job's web service against DNS rebinding: a page on another site
// whose name is made to resolve to 127.0.0.1 still sends that name in Host.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function refusal(allowed: readonly string[]): string {
  const addresses = allowed.map((host) => `http://${host}`).join(', ');
  return `Misdirected request: this Rapport service answers only at its own addresses (${addresses}).\nOpen it at one of those, e.g. the links in its emails.\n`;
}

/**
 * Refuses (421) every request whose Host header is not one of allowedHosts. Added to the root
 * before any plugin, so that it runs first on every route and on the 404 page.
 */
export function refuseOtherHosts(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  const page = refusal([...allowed]);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const host = request.headers.host?.toLowerCase();
    if (host !== undefined && allowed.has(host)) return;
    return reply.code(421).type('text/plain; charset=utf-8').send(page);
  });
}
