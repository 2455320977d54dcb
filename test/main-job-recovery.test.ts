// `npm start` when something is wrong: a demo pair whose workflow was terminated from Temporal's
// own tools is restarted instead of failing the start, and when a part cannot start (here the web
// port is taken) everything already started is stopped and the reason is one line.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../harness/free-port';
import type { RapportProcess } from '../harness/rapport-process';
import { mainJobBanner, pressCtrlC, startMainJob } from './support/main-job-process';

jest.setTimeout(6 * 60_000);

let dataDir: string;
let ports: { web: number; smtp: number; temporal: number; ui: number; metrics: number };
const running: RapportProcess[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rapport-main-job-recovery-'));
  const [web, smtp, temporal, ui, metrics] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  ports = { web, smtp, temporal, ui, metrics };
});

afterAll(async () => {
  for (const job of running) {
    try {
      process.kill(-(job.child.pid as number), 'SIGKILL');
    } catch {
      // The group has already exited, as it should have.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function npmStart(): RapportProcess {
  const job = startMainJob({ dataDir, ports, publicBaseUrl: `http://127.0.0.1:${ports.web}`, metricsPort: ports.metrics });
  running.push(job);
  return job;
}

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.destroy() && resolve(true));
    socket.once('error', () => resolve(false));
  });

/** Whether any process of the job's process group (npm, tsx, the dev server…) is still there. */
function groupAlive(job: RapportProcess): boolean {
  try {
    process.kill(-(job.child.pid as number), 0);
    return true;
  } catch {
    return false;
  }
}

async function withTemporal<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  try {
    return await use(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

const demoPairOf = (banner: string) => /Demo pair +([0-9a-f-]{36}):/.exec(banner)?.[1] as string;

it('restarts the demo pair whose workflow was terminated in Temporal, instead of failing to start', async () => {
  const first = npmStart();
  const pairId = demoPairOf(await mainJobBanner(first));
  await withTemporal((client) => client.workflow.getHandle(`pair-${pairId}`).terminate('ops mistake'));
  await pressCtrlC(first);

  const again = npmStart();
  const banner = await mainJobBanner(again);
  expect(banner).toMatch(/^The demo pair's workflow had stopped in Temporal \(TERMINATED: ops mistake\): restarted it, carrying on with meeting \d+\.$/m);
  expect(demoPairOf(banner)).toBe(pairId);
  expect(await withTemporal(async (client) => (await client.workflow.getHandle(`pair-${pairId}`).describe()).status.name)).toBe('RUNNING');
  expect(again.output()).not.toMatch(/Error|error:/);
  await pressCtrlC(again);
  for (const port of Object.values(ports)) expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
});

it('stops everything it started and says why in one line when a part cannot start', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(ports.web, '127.0.0.1', resolve));
  try {
    const job = npmStart();
    expect(await job.exited).toBe(1);
    const ours = job
      .output()
      .split('\n')
      .filter((line) => !line.startsWith('npm ') && line.trim() !== '');
    expect(ours.at(-1)).toMatch(
      new RegExp(`^Rapport did not start: the web service on 127\\.0\\.0\\.1:${ports.web}: listen EADDRINUSE: address already in use`),
    );
    expect(job.output()).not.toMatch(/^\s+at /m);
    // The dev server, the SMTP server and the worker it had started are gone with it.
    for (const port of [ports.temporal, ports.ui, ports.smtp, ports.metrics])
      expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
    expect(groupAlive(job)).toBe(false);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
