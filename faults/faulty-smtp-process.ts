// Starts faults/faulty-smtp.ts as a separate process and drives it: what it accepted and refused,
// and the commands that make it refuse connections, come back, or refuse some messages.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../harness/free-port';
import { REPO, watch, type RapportProcess } from '../harness/rapport-process';
import type { AcceptedEvent, RefusalPolicy, RefusedEvent, SmtpCommand, SmtpEvent, StateEvent } from './faulty-smtp-protocol';

export interface FaultySmtp {
  url: string;
  /** Every message accepted so far, in order of acceptance. */
  accepted: AcceptedEvent[];
  refused: RefusedEvent[];
  /** Stops listening and cuts open connections; resolves once the port is closed. */
  refuseConnections(): Promise<void>;
  /** Listens again on the same port. */
  acceptConnections(): Promise<void>;
  setPolicy(policy: RefusalPolicy): Promise<void>;
  process: RapportProcess;
  stop(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 30_000;

export async function startFaultySmtp(): Promise<FaultySmtp> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'faults/faulty-smtp.ts', String(port)], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const smtpProcess = watch(child);
  const accepted: AcceptedEvent[] = [];
  const refused: RefusedEvent[] = [];
  const waitingForState: ((state: StateEvent) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as SmtpEvent;
    if (event.event === 'accepted') accepted.push(event);
    else if (event.event === 'refused') refused.push(event);
    else waitingForState.shift()?.(event);
  });
  const nextState = () =>
    new Promise<StateEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the SMTP server did not answer in time:\n${smtpProcess.output()}`)), COMMAND_TIMEOUT_MS);
      waitingForState.push((state) => {
        clearTimeout(timer);
        resolve(state);
      });
    });
  const send = async (command: SmtpCommand): Promise<StateEvent> => {
    const answered = nextState();
    child.stdin.write(`${JSON.stringify(command)}\n`);
    return answered;
  };
  const started = nextState();
  await Promise.race([started, smtpProcess.exited.then(() => Promise.reject(new Error(`the SMTP server exited:\n${smtpProcess.output()}`)))]);
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    refused,
    process: smtpProcess,
    refuseConnections: async () => void (await send({ command: 'close' })),
    acceptConnections: async () => void (await send({ command: 'open' })),
    setPolicy: async (policy) => void (await send({ command: 'policy', policy })),
    async stop() {
      child.stdin.end();
      await smtpProcess.stop('SIGTERM');
    },
  };
}
