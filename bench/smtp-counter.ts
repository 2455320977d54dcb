// The benchmark's SMTP server, a separate process: accepts every message, timestamps it on
// acceptance, and writes one JSON line per message to stdout (time, recipients, Message-ID, the
// first form link), so the benchmark can count what arrived, when, and what arrived twice.
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export interface AcceptedMessage {
  /** Milliseconds since the epoch when the message was accepted. */
  at: number;
  to: string[];
  messageId: string;
  subject: string;
  formLink: string | null;
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function report(raw: Buffer, at: number): Promise<void> {
  const parsed = await PostalMime.parse(raw);
  const formLink = /https?:\/\/[^\s"<>]+\/forms\/[A-Za-z0-9_-]+/.exec(parsed.text ?? '')?.[0] ?? null;
  const line: AcceptedMessage = {
    at,
    to: (parsed.to ?? []).map((address) => (address.address ?? '').toLowerCase()),
    messageId: parsed.messageId ?? '',
    subject: parsed.subject ?? '',
    formLink,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const port = Number(process.argv[2] ?? 2525);
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 1_000,
  onData(stream, _session, callback) {
    readAll(stream).then(
      (raw) => {
        const at = Date.now();
        callback();
        // Parsed after accepting, so that the timestamp is the moment of acceptance.
        setImmediate(() => void report(raw, at).catch((error: Error) => process.stderr.write(`${error.message}\n`)));
      },
      (error: Error) => callback(error),
    );
  },
});
server.listen(port, '127.0.0.1', () => process.stderr.write(`smtp counter listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
