// The README's main-job command, `npm start`, as a newcomer runs it: it starts everything on
// embedded defaults, serves its pages, stops cleanly on Ctrl-C (SIGINT to the whole process group,
// as a terminal sends it) and, started again, continues the same demo pair.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/free-port';
import { waitForHttp, type RapportProcess } from '../harness/rapport-process';
import { mainJobBanner, pressCtrlC, startMainJob } from './support/main-job-process';

jest.setTimeout(6 * 60_000);

let dataDir: string;
let ports: { web: number; smtp: number; temporal: number; ui: number; metrics: number };
const running: RapportProcess[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rapport-main-job-'));
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

it('starts everything, serves its pages, stops on Ctrl-C and continues the same pair when started again', async () => {
  const job = npmStart();
  const printed = await mainJobBanner(job);
  const web = `http://127.0.0.1:${ports.web}`;
  expect(printed).toContain(`Admin           ${web}/admin (user admin, password `);
  expect(printed).toContain(`Mail received   ${web}/mail`);
  expect(printed).toContain(`Temporal UI     http://127.0.0.1:${ports.ui}`);
  // The banner's values all start in one column.
  const rows = printed.split('\n').filter((line) => /^ {2}\S/.test(line));
  expect(rows.length).toBeGreaterThanOrEqual(8);
  expect(new Set(rows.map((line) => /^ {2}\S+(?: \S+)* {2,}/.exec(line)?.[0].length))).toEqual(new Set([18]));
  const password = /password (\S+)\)/.exec(printed)?.[1] as string;
  const pairId = /Demo pair +([0-9a-f-]{36}):/.exec(printed)?.[1];
  expect(pairId).toBeDefined();

  const signIn = await fetch(`${web}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: web, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: 'admin', password }),
  });
  expect(signIn.status).toBe(303);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  const admin = await fetch(`${web}/admin`, { headers: { cookie } });
  expect(await admin.text()).toContain('Dana Demo');
  await waitForHttp(`http://127.0.0.1:${ports.ui}/`, job);
  expect(await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text()).toContain('temporal_');

  // The demo pair's first emails arrive within a minute or so and can be read on the mail page.
  const deadline = Date.now() + 150_000;
  let mail = '';
  while (!mail.includes('a few minutes to reflect') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    mail = await (await fetch(`${web}/mail`)).text();
  }
  expect(mail).toContain('a few minutes to reflect');

  // A second npm start on the same data folder says where Rapport runs and exits 1, touching nothing.
  const second = npmStart();
  expect(await second.exited).toBe(1);
  expect(second.output()).toContain(`Rapport is already running on port ${ports.web} (http://127.0.0.1:${ports.web}`);
  expect(second.output()).not.toContain('did not start');
  expect(await (await fetch(`${web}/mail`)).text()).toContain('a few minutes to reflect');

  await pressCtrlC(job);
  for (const port of [ports.web, ports.smtp, ports.temporal, ports.ui, ports.metrics]) expect(await isListening(port)).toBe(false);
  expect(job.output()).not.toMatch(/Error|error:/);

  const again = npmStart();
  const restarted = await mainJobBanner(again);
  expect(/Demo pair +([0-9a-f-]{36}):/.exec(restarted)?.[1]).toBe(pairId);
  // The admin password was kept under the data folder.
  expect(restarted).toContain(`password ${password})`);
  await pressCtrlC(again);
  expect(await isListening(ports.web)).toBe(false);
});
