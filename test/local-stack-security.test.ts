// The local stack keeps to this machine and its owner: the main job's web service answers only
// requests addressed to it (against DNS rebinding), its SMTP server takes mail only from loopback and
// up to 10 MB, and its data folder (admin password, emails with live form links, databases) is
// owner-only. The main job is started for real, as `npm start` starts it.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import { MAX_MESSAGE_BYTES, refuseNonLoopback, startLocalMailServer, type LocalMailServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { type RapportProcess } from '../harness/rapport-process';
import { mainJobBanner, pressCtrlC, startMainJob } from './support/main-job-process';

jest.setTimeout(6 * 60_000);

let root: string;
const running: RapportProcess[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rapport-local-security-'));
});

afterAll(() => {
  for (const job of running) {
    try {
      process.kill(-(job.child.pid as number), 'SIGKILL');
    } catch {
      // The group has already exited, as it should have.
    }
  }
  rmSync(root, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every file and folder under dir with its mode, as { path: '0600' }. */
function modesUnder(dir: string): Record<string, string> {
  const modes: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    modes[path.slice(dir.length + 1)] = `0${modeOf(path).toString(8)}`;
  }
  return modes;
}

// ---------------------------------------------------------------------------------------------
// The SMTP server, in this process.

/** Reads SMTP replies off a socket: each call resolves with the next complete reply. */
function smtpReplies(socket: ReturnType<typeof connect>): () => Promise<string> {
  let buffered = '';
  const waiting: Array<(reply: string) => void> = [];
  const drain = () => {
    for (;;) {
      // A reply ends with a line whose code is followed by a space (RFC 5321 section 4.2.1).
      const end = /^\d{3} .*\r\n/m.exec(buffered);
      if (!end || waiting.length === 0) return;
      const upTo = end.index + end[0].length;
      (waiting.shift() as (reply: string) => void)(buffered.slice(0, upTo));
      buffered = buffered.slice(upTo);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    drain();
  });
  return () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      drain();
    });
}

/** A message sent by hand, without announcing its size, so the server only learns it in DATA. */
async function sendRaw(port: number, body: Buffer): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const next = smtpReplies(socket);
  const replies = [await next()];
  for (const command of ['EHLO test.local', 'MAIL FROM:<rapport@localhost>', 'RCPT TO:<ravi.report@example.com>', 'DATA']) {
    socket.write(`${command}\r\n`);
    replies.push(await next());
  }
  socket.write(Buffer.concat([Buffer.from('Subject: large\r\n\r\n'), body, Buffer.from('\r\n.\r\n')]));
  replies.push(await next());
  socket.end('QUIT\r\n');
  return replies;
}

/** A body of text lines (SMTP lines are at most 1000 bytes) of about the given size. */
const bodyOf = (bytes: number) => Buffer.from(`${'x'.repeat(998)}\r\n`.repeat(Math.ceil(bytes / 1000)));

describe('the local SMTP server', () => {
  let mailDir: string;
  let server: LocalMailServer;
  let port: number;

  beforeAll(async () => {
    mailDir = join(root, 'smtp', 'mail');
    port = await freePort();
    server = await startLocalMailServer(mailDir, port);
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('refuses a message over 10 MB with 552 and writes nothing, announced or not', async () => {
    const replies = await sendRaw(port, bodyOf(MAX_MESSAGE_BYTES + 1_000_000));
    expect(replies[2]).toMatch(/^250/); // MAIL FROM
    expect(replies[4]).toMatch(/^354/); // DATA
    expect(replies[5]).toMatch(/^552 .*10 MB/);

    const transport = nodemailer.createTransport(server.url);
    try {
      await expect(
        transport.sendMail({
          from: 'rapport@localhost',
          to: 'ravi.report@example.com',
          subject: 'large',
          text: bodyOf(MAX_MESSAGE_BYTES + 1_000_000).toString(),
        }),
      ).rejects.toMatchObject({ responseCode: 552 });
    } finally {
      transport.close();
    }
    expect(readdirSync(mailDir)).toEqual([]);
  });

  test('keeps an ordinary message, owner-only, in an owner-only folder', async () => {
    const replies = await sendRaw(port, bodyOf(100_000));
    expect(replies[5]).toMatch(/^250/);
    const files = readdirSync(mailDir);
    expect(files).toHaveLength(1);
    expect(modeOf(mailDir)).toBe(0o700);
    expect(modeOf(join(mailDir, files[0]))).toBe(0o600);
  });

  test('takes connections from loopback only', () => {
    const answer = (remoteAddress: string) => {
      let result: Error | null | undefined = null;
      refuseNonLoopback({ remoteAddress }, (error) => (result = error));
      return result as Error | null | undefined;
    };
    for (const loopback of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3']) expect(answer(loopback)).toBeUndefined();
    for (const other of ['10.0.0.5', '192.168.1.20', '::ffff:10.0.0.5', 'fe80::1', '::', '0.0.0.0', '128.0.0.1']) {
      const refusal = answer(other);
      expect({ other, refusal: refusal?.message }).toEqual({ other, refusal: expect.stringContaining('only from this machine') });
      expect(refusal).toMatchObject({ responseCode: 554 });
    }
  });

  test('a second loopback address (127.0.0.2) is this machine too', async () => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    const greeting = await smtpReplies(socket)();
    socket.destroy();
    expect(greeting).toMatch(/^220 /);
  });
});

// ---------------------------------------------------------------------------------------------
// The main job, as `npm start` runs it.

interface MainJobPorts {
  web: number;
  smtp: number;
  temporal: number;
  ui: number;
}

async function mainJobPorts(): Promise<MainJobPorts> {
  const [web, smtp, temporal, ui] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  return { web, smtp, temporal, ui };
}

/** PUBLIC_BASE_URL names a host other than the listening address, so that its rule is tested too. */
const publicHost = (ports: MainJobPorts) => `rapport.test:${ports.web}`;

function npmStart(dataDir: string, ports: MainJobPorts): RapportProcess {
  const job = startMainJob({ dataDir, ports, publicBaseUrl: `http://${publicHost(ports)}`, metricsPort: 'off' });
  running.push(job);
  return job;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** A GET to 127.0.0.1:port with the Host header set as a browser on a rebound name would send it. */
function getWithHost(port: number, path: string, host: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = host === undefined ? {} : { host };
    const request = httpRequest({ host: '127.0.0.1', port, path, headers, setHost: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), body }));
    });
    request.on('error', reject).end();
  });
}

/** The path of the first form link in the mail the main job has sent (the demo pair's first email). */
async function firstFormLink(mailDir: string, job: RapportProcess): Promise<string> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const files = existsSync(mailDir) ? readdirSync(mailDir).filter((name) => name.endsWith('.eml')) : [];
    for (const file of files) {
      const { text } = await PostalMime.parse(readFileSync(join(mailDir, file)));
      const link = /https?:\/\/[^/\s]+(\/forms\/[A-Za-z0-9_-]+)/.exec(text ?? '');
      if (link) return link[1];
    }
    if (Date.now() > deadline) throw new Error(`no email with a form link arrived:\n${job.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

describe('the main job', () => {
  let dataDir: string;
  let ports: MainJobPorts;
  let job: RapportProcess;

  beforeAll(async () => {
    // A folder that does not exist yet, below one that does not either: the main job creates both.
    dataDir = join(root, 'fresh', 'data');
    ports = await mainJobPorts();
    job = npmStart(dataDir, ports);
    await mainJobBanner(job);
  });

  afterAll(async () => {
    if (job) await pressCtrlC(job);
  });

  test('answers only requests addressed to itself: any other Host gets 421 before a route runs', async () => {
    const port = ports.web;
    const formLink = await firstFormLink(join(dataDir, 'mail'), job);
    const paths = ['/mail', '/admin/login', '/admin', '/admin/api/pairs', '/healthz', formLink, '/forms/not-a-token', '/no-such-page'];
    const others = [
      'evil.example',
      `evil.example:${port}`,
      'evil.example:3000',
      `localhost.evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      'localhost',
      `localhost:${port + 1}`,
      `rapport.test:${port + 1}`,
      '',
    ];
    for (const path of paths) {
      for (const host of others) {
        const answer = await getWithHost(port, path, host);
        expect({ path, host, status: answer.status }).toEqual({ path, host, status: 421 });
        expect(answer.contentType).toBe('text/plain; charset=utf-8');
        expect(answer.body).toContain('Misdirected request');
      }
    }
    // Without a Host header at all, Node itself refuses an HTTP/1.1 request.
    expect((await getWithHost(port, '/mail', undefined)).status).toBe(400);

    const own = [`localhost:${port}`, `127.0.0.1:${port}`, `LocalHost:${port}`, publicHost(ports)];
    for (const host of own) {
      for (const path of ['/mail', '/admin/login', '/healthz', formLink]) {
        const answer = await getWithHost(port, path, host);
        expect({ path, host, status: answer.status }).toEqual({ path, host, status: 200 });
      }
    }
  });

  test('keeps its data folder to its owner: the folder and its mail folder 0700, every file in them 0600', async () => {
    // A message of our own, so that the mail folder has one without waiting for the demo pair.
    const transport = nodemailer.createTransport(`smtp://127.0.0.1:${ports.smtp}`);
    await transport.sendMail({ from: 'rapport@localhost', to: 'ravi.report@example.com', subject: 'modes', text: 'hello' });
    transport.close();

    expect(modeOf(dataDir)).toBe(0o700);
    const modes = modesUnder(dataDir);
    expect(Object.keys(modes)).toEqual(expect.arrayContaining(['admin-password', 'rapport.db', 'temporal.db', 'mail']));
    expect(Object.keys(modes).some((path) => path.startsWith('mail/') && path.endsWith('.eml'))).toBe(true);
    const expected = Object.fromEntries(Object.entries(modes).map(([path]) => [path, statSync(join(dataDir, path)).isDirectory() ? '0700' : '0600']));
    expect(modes).toEqual(expected);
  });
});

describe('the main job started on a data folder others can read', () => {
  test('tightens the folder and the files it wrote there, and says so', async () => {
    const dataDir = join(root, 'loose');
    mkdirSync(join(dataDir, 'mail'), { recursive: true });
    writeFileSync(join(dataDir, 'admin-password'), 'an-older-password-1234');
    writeFileSync(join(dataDir, 'mail', '1700000000000-0001.eml'), 'Subject: older\r\n\r\nan older message\r\n');
    for (const path of ['', 'mail']) chmodSync(join(dataDir, path), 0o755);
    for (const path of ['admin-password', 'mail/1700000000000-0001.eml']) chmodSync(join(dataDir, path), 0o644);

    const job = npmStart(dataDir, await mainJobPorts());
    try {
      const printed = await mainJobBanner(job);
      expect(printed).toContain(
        `data folder ${dataDir} was open to other users (mode 0755): tightened to 0700, and 3 of the files and folders in it to owner-only`,
      );
      expect(printed).toContain('password an-older-password-1234)');
      expect(modeOf(dataDir)).toBe(0o700);
      const modes = modesUnder(dataDir);
      const expected = Object.fromEntries(Object.entries(modes).map(([path]) => [path, statSync(join(dataDir, path)).isDirectory() ? '0700' : '0600']));
      expect(modes).toEqual(expected);
    } finally {
      await pressCtrlC(job);
    }
  });
});
