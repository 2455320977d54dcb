// What the request log says of a request's path: the route it matched, never the raw URL. A link's
// token is blanked whatever spelling it came in (percent-encoded, doubled slashes, a query), and a
// request that matched no route is logged without its path, since a mistyped link still holds a token.
import type { FastifyRequest } from 'fastify';

/** Route parameters that carry a secret and are never written to a log. */
const SECRET_PARAMS = new Set(['token']);
export const NO_ROUTE = '[no matching route]';

/** The matched route with its parameters filled in, secret ones blanked: "/forms/[token]". */
export function loggedPath(request: Pick<FastifyRequest, 'routeOptions' | 'params'>): string {
  const pattern = request.routeOptions?.url;
  if (!pattern || pattern === '*' || pattern.endsWith('/*')) return NO_ROUTE;
  const params = (request.params ?? {}) as Record<string, unknown>;
  return pattern
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      if (SECRET_PARAMS.has(name)) return `[${name}]`;
      const value = params[name];
      return typeof value === 'string' ? encodeURIComponent(value.slice(0, 100)) : segment;
    })
    .join('/');
}
