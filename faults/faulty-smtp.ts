// The fault suite's SMTP server, a separate process on a fixed port: it accepts mail like a relay,
// and on command from its stdin (faults/faulty-smtp-protocol.ts) stops listening and comes back,
// answers 451 to the first delivery of one message in N, and 550 to chosen recipients. Every
// accepted or refused message is one JSON line on stdout, so the script counts what arrived.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { ACCEPT_ALL, type RefusalPolicy, type SmtpCommand, type SmtpEvent } from './faulty-smtp-protocol';

/** How long open connections get, once the server is told to close, before they are cut. */
const CLOSE_TIMEOUT_MS = 200;

const port = Number(process.argv[2]);
let policy: RefusalPolicy = ACCEPT_ALL;
let server: SMTPServer | null = null;
let closing = false;
/** Message-IDs already answered 451 once: their next attempt is accepted. */
const deferredOnce = new Set<string>();

function emit(event: SmtpEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** An error smtp-server sends back with its code. */
function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function messageIdOf(raw: Buffer): string {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.subarray(0, headerEnd < 0 ? raw.length : headerEnd).toString('latin1');
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1] ?? '';
}

/** Deterministic: the same Message-ID is always in or out of the "one in N". */
function isOneInN(messageId: string, n: number): boolean {
  return n > 0 && createHash('sha256').update(messageId).digest()[0] % n === 0;
}

function shouldDefer(messageId: string): boolean {
  if (!isOneInN(messageId, policy.tempFailOneIn) || deferredOnce.has(messageId)) return false;
  deferredOnce.add(messageId);
  return true;
}

async function report(raw: Buffer, at: number): Promise<void> {
  const parsed = await PostalMime.parse(raw);
  const formLink = /https?:\/\/[^\s"<>]+\/forms\/[A-Za-z0-9_-]+/.exec(parsed.text ?? '')?.[0] ?? null;
  emit({
    event: 'accepted',
    at,
    to: (parsed.to ?? []).map((address) => (address.address ?? '').toLowerCase()),
    messageId: parsed.messageId ?? '',
    subject: parsed.subject ?? '',
    formLink,
  });
}

function receive(stream: SMTPServerDataStream, callback: (error?: Error | null) => void): void {
  readAll(stream).then(
    (raw) => {
      // A message finished while closing is refused rather than accepted unheard by the client.
      if (closing) return callback(smtpError(421, 'Service closing'));
      const messageId = messageIdOf(raw);
      if (shouldDefer(messageId)) {
        emit({ event: 'refused', at: Date.now(), code: 451, messageId });
        return callback(smtpError(451, 'Requested action aborted: try again later'));
      }
      const at = Date.now();
      callback();
      // Parsed after accepting, so that the timestamp is the moment of acceptance.
      setImmediate(() => void report(raw, at).catch((error: Error) => process.stderr.write(`${error.message}\n`)));
    },
    (error: Error) => callback(error),
  );
}

function createServer(): SMTPServer {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 1_000,
    closeTimeout: CLOSE_TIMEOUT_MS,
    onRcptTo(address, _session, callback) {
      const recipient = address.address.toLowerCase();
      if (!policy.rejectRecipients.includes(recipient)) return callback();
      emit({ event: 'refused', at: Date.now(), code: 550, recipient });
      callback(smtpError(550, 'Mailbox unavailable'));
    },
    onData: (stream, _session, callback) => receive(stream, callback),
  });
}

async function open(): Promise<void> {
  if (server) return;
  const next = createServer();
  await new Promise<void>((resolve, reject) => {
    next.once('error', reject);
    next.listen(port, '127.0.0.1', () => resolve());
  });
  next.on('error', (error: Error) => process.stderr.write(`smtp: ${error.message}\n`));
  server = next;
  closing = false;
}

async function close(): Promise<void> {
  const current = server;
  if (!current) return;
  closing = true;
  await new Promise<void>((resolve) => current.close(() => resolve()));
  server = null;
}

async function obey(command: SmtpCommand): Promise<void> {
  if (command.command === 'close') await close();
  else if (command.command === 'open') await open();
  else policy = command.policy;
  emit({ event: 'state', listening: server !== null, policy });
}

// Commands run one at a time, in the order they came.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => obey(JSON.parse(line) as SmtpCommand)).catch((error: Error) => void process.stderr.write(`smtp command failed: ${error.message}\n`));
});
process.stdin.on('end', () => void close().then(() => process.exit(0)));
process.on('SIGTERM', () => void close().then(() => process.exit(0)));

open().then(
  () => emit({ event: 'state', listening: true, policy }),
  (error: Error) => {
    process.stderr.write(`smtp: cannot listen on ${port}: ${error.message}\n`);
    process.exit(1);
  },
);
