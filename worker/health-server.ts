// The worker's health checks for orchestrators: /healthz answers while the process is alive,
// /readyz only while the worker polls and the database answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; a rejection's message is reported. */
  check: () => Promise<void>;
}

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

async function readiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, (error as Error).message] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
}

export async function startHealthServer(host: string, port: number, checks: ReadinessCheck[]): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, { problems: ['Use GET.'] });
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return reply(200, { ok: true });
    if (path === '/readyz') {
      void readiness(checks).then((result) => reply(result.ready ? 200 : 503, result));
      return;
    }
    return reply(404, { problems: ['Try /healthz or /readyz.'] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
