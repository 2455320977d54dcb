// Every route a Fastify server holds, read from its own table (printRoutes without common prefixes),
// so that tests of access cover routes added later without being told.
import type { FastifyInstance } from 'fastify';

export interface Route {
  method: string;
  path: string;
}

/** Every route and method but HEAD (Fastify adds one for each GET). */
export function routesOf(server: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    parents.length = depth;
    const path = [...parents, match[2]].join('');
    parents.push(match[2]);
    for (const method of match[3].split(', ')) if (method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
}
