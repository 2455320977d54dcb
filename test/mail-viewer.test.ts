// The main job's mail viewer over HTTP: real messages sent with nodemailer to the local SMTP server,
// read back through the web service's own app (so its security headers are in play too).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { registerMailViewer } from '../local/mail-viewer/mail-viewer';
import type { RapportPrisma } from '../prisma/database';
import { buildWebServer } from '../server/web-server';
import { startLocalMailServer, type LocalMailServer } from '../local/local-stack';
import { freePort } from './support/browser';

const REFLECTION = {
  from: 'Rapport <rapport@localhost>',
  to: 'Ravi Report <ravi.report@example.com>',
  subject: 'Your reflection for Thursday',
  text: 'Hi Ravi,\n\nShare your notes before the 1:1: http://localhost:3000/forms/reflection-token.\n',
  html:
    '<!doctype html><html><head><style>p { color: #333; }</style></head><body><p>Hi Ravi,</p>' +
    '<p><a href="http://localhost:3000/forms/reflection-token">Open the reflection form</a></p>' +
    '<script>window.stolen = document.cookie</script></body></html>',
};
const PREP = {
  from: '"Émile 山田" <emile@example.com>',
  to: 'Maya Manager <maya.manager@example.com>',
  subject: 'Prép für <script>alert(1)</script> ✓',
  text: 'Bonjour Maya — <script>alert(2)</script>\nYour prep: http://localhost:3000/forms/prep-token\n',
  html: '<p>Bonjour Maya</p><p><a href="http://localhost:3000/forms/prep-token">Prep form</a></p><script>alert(3)</script>',
};
const AGENDA = {
  from: 'Rapport <rapport@localhost>',
  to: 'Ravi Report <ravi.report@example.com>',
  subject: 'Agenda for Thursday',
  text: 'The agenda is ready.\n',
};
const HTML_PART_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'self'; " +
  'sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation';

let root: string;
let mailDir: string;
let mailServer: LocalMailServer;
let app: FastifyInstance;
let base: string;
/** The .eml files of REFLECTION, PREP and AGENDA, in the order they were sent. */
let reflectionFile: string;
let prepFile: string;
let agendaFile: string;

/** The web service as the main job starts it, with the viewer. */
async function webServiceWithViewer(folder: string): Promise<FastifyInstance> {
  // The mail routes never touch the database or Temporal; only the service's own routes would.
  const service = await buildWebServer({ db: {} as RapportPrisma, temporal: {} as Client, publicBaseUrl: 'http://localhost:3000', rateLimitPerMinute: 100 });
  await service.register(registerMailViewer, { mailDir: folder });
  await service.listen({ host: '127.0.0.1', port: 0 });
  return service;
}

const urlOf = (service: FastifyInstance) => `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;

async function get(path: string, at = base) {
  const response = await fetch(`${at}${path}`, { redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A GET with the path sent exactly as written (fetch would resolve the dot segments first). */
function getVerbatim(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}/`, { path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject).end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rapport-mail-viewer-'));
  mailDir = join(root, 'mail');
  mailServer = await startLocalMailServer(mailDir, await freePort());
  const transport = nodemailer.createTransport(mailServer.url);
  for (const message of [REFLECTION, PREP, AGENDA]) await transport.sendMail(message);
  transport.close();
  [reflectionFile, prepFile, agendaFile] = readdirSync(mailDir).sort();

  // Things that must never be shown: a message outside the folder, and in it a non-.eml file,
  // a hidden file and a symbolic link out of it.
  const outside = join(root, 'outside.eml');
  writeFileSync(outside, 'From: a@example.com\r\nSubject: Outside secret\r\n\r\nsecret body\r\n');
  writeFileSync(join(mailDir, 'notes.txt'), 'Subject: Outside secret\r\n\r\nsecret body\r\n');
  writeFileSync(join(mailDir, '.hidden.eml'), readFileSync(outside));
  symlinkSync(outside, join(mailDir, 'link.eml'));
  mkdirSync(join(mailDir, 'folder.eml'));

  app = await webServiceWithViewer(mailDir);
  base = urlOf(app);
});

afterAll(async () => {
  await app?.close();
  await mailServer?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the list shows every message newest first, with decoded names and subjects', async () => {
  const list = await get('/mail');
  expect(list.status).toBe(200);
  expect(list.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(list.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(list.headers.get('x-frame-options')).toBe('DENY');

  const positions = [AGENDA.subject, 'Prép für &lt;script&gt;alert(1)&lt;/script&gt; ✓', REFLECTION.subject].map((subject) => list.body.indexOf(subject));
  expect(positions.every((position) => position > 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(list.body).toContain('Émile 山田 &lt;emile@example.com&gt;');
  for (const file of [agendaFile, prepFile, reflectionFile]) expect(list.body).toContain(`href="/mail/${file}"`);
  expect(list.body.match(/<tr>/g)).toHaveLength(4); // the heading and three messages
  expect(list.body).not.toContain('<script');
  expect(list.body).not.toContain('Outside secret');
});

test('the list can be narrowed to one recipient', async () => {
  const toRavi = await get('/mail?to=RAVI');
  expect(toRavi.body).toContain(REFLECTION.subject);
  expect(toRavi.body).toContain(AGENDA.subject);
  expect(toRavi.body).not.toContain('Prép');
  expect(toRavi.body).toContain('2 of 3 messages sent to “RAVI”');

  const toMaya = await get(`/mail?to=${encodeURIComponent('maya.manager@example.com')}`);
  expect(toMaya.body).toContain('Prép für');
  expect(toMaya.body).not.toContain(REFLECTION.subject);

  const toNobody = await get('/mail?to=%3Cscript%3E');
  expect(toNobody.body).toContain('No message was sent to “&lt;script&gt;”.');
  expect(toNobody.body).not.toContain('<script');
});

test('a message page shows the headers, the text part with its links, and the HTML part in a sandboxed frame', async () => {
  const page = await get(`/mail/${reflectionFile}`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('<h1>Your reflection for Thursday</h1>');
  expect(page.body).toContain('<dt>From</dt><dd>Rapport &lt;rapport@localhost&gt;</dd>');
  expect(page.body).toContain('<dt>To</dt><dd>Ravi Report &lt;ravi.report@example.com&gt;</dd>');
  // The link without the sentence's full stop.
  expect(page.body).toContain('<a href="http://localhost:3000/forms/reflection-token">http://localhost:3000/forms/reflection-token</a>.');
  expect(page.body).toContain(
    `<iframe class="mail-html" src="/mail/${reflectionFile}/html" sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"`,
  );
  expect(page.body).toContain(`href="/mail/${reflectionFile}/raw"`);
  expect(page.body).not.toContain('<script');
  // The web service's policy, plus framing of the viewer's own HTML part.
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(page.headers.get('content-security-policy')).toContain("frame-src 'self'");
  expect(page.headers.get('x-frame-options')).toBe('DENY');

  const prep = await get(`/mail/${prepFile}`);
  expect(prep.body).toContain('<dt>From</dt><dd>Émile 山田 &lt;emile@example.com&gt;</dd>');
  expect(prep.body).toContain('<h1>Prép für &lt;script&gt;alert(1)&lt;/script&gt; ✓</h1>');
  expect(prep.body).toContain('Bonjour Maya — &lt;script&gt;alert(2)&lt;/script&gt;');
  expect(prep.body).toContain('<a href="http://localhost:3000/forms/prep-token">');
  expect(prep.body).not.toContain('<script');

  const textOnly = await get(`/mail/${agendaFile}`);
  expect(textOnly.body).toContain('The agenda is ready.');
  expect(textOnly.body).not.toContain('<iframe');
});

test('the HTML part is served under its own strict policy: links open outside the frame, nothing runs', async () => {
  const part = await get(`/mail/${reflectionFile}/html`);
  expect(part.status).toBe(200);
  expect(part.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(part.headers.get('content-security-policy')).toBe(HTML_PART_POLICY);
  expect(part.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(part.headers.get('x-content-type-options')).toBe('nosniff');
  expect(part.body.startsWith('<!doctype html><base target="_blank"><html>')).toBe(true);
  expect(part.body).toContain('<a href="http://localhost:3000/forms/reflection-token">Open the reflection form</a>');

  expect((await get(`/mail/${prepFile}/html`)).body.startsWith('<base target="_blank"><p>Bonjour Maya</p>')).toBe(true);
  expect((await get(`/mail/${agendaFile}/html`)).status).toBe(404);
});

test('the raw route returns the .eml exactly as received, as plain text', async () => {
  const raw = await get(`/mail/${prepFile}/raw`);
  expect(raw.status).toBe(200);
  expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
  expect(raw.headers.get('content-security-policy')).toContain('sandbox');
  expect(raw.body).toBe(readFileSync(join(mailDir, prepFile), 'utf8'));
});

test('only messages the folder lists can be opened: unknown names and path tricks get 404', async () => {
  const names = [
    '..%2Fetc%2Fpasswd',
    '..%2Foutside.eml',
    '%2E%2E%2Foutside.eml',
    '..%5Coutside.eml',
    encodeURIComponent(join(root, 'outside.eml')),
    'link.eml',
    '.hidden.eml',
    'notes.txt',
    'folder.eml',
    '9999999999999-0001.eml',
    `${reflectionFile}%00`,
    `${reflectionFile}.`,
  ];
  for (const name of names) {
    for (const suffix of ['', '/html', '/raw']) {
      const response = await get(`/mail/${name}${suffix}`);
      expect({ name, suffix, status: response.status }).toEqual({ name, suffix, status: 404 });
      expect(response.body).not.toContain('secret body');
      expect(response.body).not.toContain('Outside secret');
    }
  }
  for (const path of ['/mail/../outside.eml', '/mail/../../etc/passwd', '/mail/%2e%2e/outside.eml/raw']) {
    const response = await getVerbatim(path);
    expect({ path, status: response.status }).toEqual({ path, status: 404 });
    expect(response.body).not.toContain('secret body');
  }
});

test('an empty or missing mail folder shows an empty list', async () => {
  const empty = await webServiceWithViewer(join(root, 'no-such-folder'));
  try {
    const response = await get('/mail', urlOf(empty));
    expect(response.status).toBe(200);
    expect(response.body).toContain('No mail yet.');
  } finally {
    await empty.close();
  }
});
