// What the fault suite's SMTP server (faults/faulty-smtp.ts, a separate process) and the script
// controlling it say to each other: commands as JSON lines on its stdin, events as JSON lines on
// its stdout.

/** How the server treats messages while it listens. */
export interface RefusalPolicy {
  /**
   * Answer 451 (try again later) to the first delivery of one Message-ID in this many, chosen by a
   * hash of the Message-ID; a later attempt of the same message is accepted. 0: never.
   */
  tempFailOneIn: number;
  /** Recipients answered 550 (mailbox unavailable) at RCPT TO, every time. */
  rejectRecipients: string[];
}

export const ACCEPT_ALL: RefusalPolicy = { tempFailOneIn: 0, rejectRecipients: [] };

export type SmtpCommand =
  /** Stop listening and close every open connection: new connections are refused. */
  | { command: 'close' }
  /** Listen again on the same port. */
  | { command: 'open' }
  | { command: 'policy'; policy: RefusalPolicy };

export interface AcceptedEvent {
  event: 'accepted';
  /** Milliseconds since the epoch when the message was accepted (250 sent). */
  at: number;
  to: string[];
  messageId: string;
  subject: string;
  /** The first form link in the text part, if any. */
  formLink: string | null;
}

export interface RefusedEvent {
  event: 'refused';
  at: number;
  code: 451 | 550;
  /** The recipient refused at RCPT TO (550). */
  recipient?: string;
  /** The message refused after DATA (451). */
  messageId?: string;
}

/** Acknowledges a command once it has taken effect (after 'close', the port is closed). */
export interface StateEvent {
  event: 'state';
  listening: boolean;
  policy: RefusalPolicy;
}

export type SmtpEvent = AcceptedEvent | RefusedEvent | StateEvent;
