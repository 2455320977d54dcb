// A relay closes pooled connections it finds idle, and the close can cross the next message on the
// wire. The mailer then sends that message on a new connection: a reconnect is not a failed send
// (before, the send failed, and the worker logged a warning and a stack trace for the retry).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMailer, type OutgoingEmail } from '../activities/mailer';

/**
 * A minimal SMTP relay over a raw socket, so the test decides exactly when a connection drops:
 * `dropAfter` messages into a connection, the next MAIL FROM finds it closed without an answer.
 */
function startRelay(
  dropAfter: (connection: number) => number | undefined,
): Promise<{ url: string; accepted: string[]; connections: () => number; stop: () => Promise<void> }> {
  const accepted: string[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const limit = dropAfter(connections);
    let inData = false;
    let message = '';
    let sent = 0;
    let buffered = '';
    socket.write('220 relay.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (inData) {
          if (line !== '.') {
            message += `${line}\n`;
            continue;
          }
          inData = false;
          sent += 1;
          accepted.push(/^Message-ID: (.*)$/im.exec(message)?.[1] ?? '');
          message = '';
          socket.write('250 accepted\r\n');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL' && limit !== undefined && sent >= limit) {
          socket.destroy();
          return;
        }
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 relay.test\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
        accepted,
        connections: () => connections,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

const email = (n: number): OutgoingEmail => ({
  messageId: `<message-${n}@rapport.test>`,
  to: 'ravi@example.com',
  subject: `Message ${n}`,
  html: '<p>Hello</p>',
  text: 'Hello',
});

it('sends the next message on a new connection when the relay has closed the pooled one', async () => {
  // The first connection drops as the second message starts; later ones behave.
  const relay = await startRelay((connection) => (connection === 1 ? 1 : undefined));
  const mailer = createMailer({ smtpUrl: relay.url, from: 'Rapport <rapport@rapport.test>', maxConnections: 1 });
  try {
    await mailer.send(email(1));
    await mailer.send(email(2));
    await mailer.send(email(3));
    expect(relay.accepted).toEqual(['<message-1@rapport.test>', '<message-2@rapport.test>', '<message-3@rapport.test>']);
    expect(relay.connections()).toBe(2);
  } finally {
    mailer.close();
    await relay.stop();
  }
});

it('still fails a send when a new connection drops too (the activity retries it later)', async () => {
  // Every connection drops before its first message.
  const relay = await startRelay(() => 0);
  const mailer = createMailer({ smtpUrl: relay.url, from: 'Rapport <rapport@rapport.test>', maxConnections: 1 });
  try {
    await expect(mailer.send(email(1))).rejects.toThrow(/connection closed/i);
    expect(relay.accepted).toEqual([]);
  } finally {
    mailer.close();
    await relay.stop();
  }
});
