// A real SMTP server for tests (smtp-server from npm), keeping every accepted message parsed
// with postal-mime. It can refuse chosen recipients with a 5xx or the next messages with a 4xx.
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import PostalMime from 'postal-mime';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** The message as the relay received it, headers and all. */
  raw: string;
  receivedAt: Date;
}

export interface SmtpSink {
  url: string;
  messages: ReceivedEmail[];
  /** Recipients answered with 550 (permanent). */
  rejectRecipients: Set<string>;
  /** The next N messages are answered with 451 (try again later). */
  deferNext(count: number): void;
  waitFor(predicate: (email: ReceivedEmail) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedEmail[]>;
  stop: () => Promise<void>;
}

async function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedEmail[] = [];
  const rejectRecipients = new Set<string>();
  let deferred = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rejectRecipients.has(address.address.toLowerCase())) {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      readStream(stream)
        .then(async (raw) => {
          if (deferred > 0) {
            deferred -= 1;
            return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          }
          const parsed = await PostalMime.parse(raw);
          const headers: Record<string, string> = {};
          for (const header of parsed.headers) headers[header.key.toLowerCase()] = header.value;
          messages.push({
            messageId: parsed.messageId ?? '',
            from: parsed.from?.address ?? '',
            to: (parsed.to ?? []).map((a) => (a.address ?? '').toLowerCase()),
            subject: parsed.subject ?? '',
            html: parsed.html ?? '',
            text: parsed.text ?? '',
            headers,
            raw: raw.toString('utf8'),
            receivedAt: new Date(),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rejectRecipients,
    deferNext(count) {
      deferred = count;
    },
    async waitFor(predicate, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} matching email(s), got ${found.length}; received so far:\n` +
              messages.map((m) => `  ${m.to.join(',')}: ${m.subject}`).join('\n'),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
