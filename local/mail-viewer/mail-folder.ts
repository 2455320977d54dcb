// Reads the local SMTP server's mail folder: one .eml file per received message, parsed with
// postal-mime. Only files the folder listing returns can be opened, so a requested name can never
// reach outside the folder.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import PostalMime from 'postal-mime';

export type ParsedMessage = PostalMime.Email;
export type MailAddress = PostalMime.Address;

/** What the list of received mail shows of one message. */
export interface MessageSummary {
  file: string;
  receivedAt: Date;
  from?: MailAddress;
  to: MailAddress[];
  subject: string;
  /** The file could not be parsed; it is listed so that its raw text can still be read. */
  unreadable: boolean;
}

export interface OpenedMessage {
  summary: MessageSummary;
  parsed: ParsedMessage;
}

export interface MailFolder {
  dir: string;
  /** Every message, newest first. */
  list(): Promise<MessageSummary[]>;
  /** The parsed message, or undefined when `file` is not a message in the folder. */
  open(file: string): Promise<OpenedMessage | undefined>;
  /** The message exactly as received, or undefined when `file` is not a message in the folder. */
  raw(file: string): Promise<Buffer | undefined>;
}

/** Plain file names only: no separators, no leading dot, nothing the URL or the shell treats specially. */
const MESSAGE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.eml$/;

interface FileEntry {
  file: string;
  receivedAt: Date;
  size: number;
}

/** The .eml files directly in the folder (symbolic links and subfolders are left out). */
async function messageFiles(dir: string): Promise<FileEntry[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = entries.filter((entry) => entry.isFile() && MESSAGE_FILE.test(entry.name));
  return Promise.all(
    files.map(async ({ name }) => {
      const info = await stat(join(dir, name));
      return { file: name, receivedAt: info.mtime, size: info.size };
    }),
  );
}

/** Newest first; names break ties, numerically, as the SMTP server numbers messages within a millisecond. */
function newestFirst(a: FileEntry, b: FileEntry): number {
  return b.receivedAt.getTime() - a.receivedAt.getTime() || b.file.localeCompare(a.file, 'en', { numeric: true });
}

function summarize(entry: FileEntry, parsed: ParsedMessage | undefined): MessageSummary {
  return {
    file: entry.file,
    receivedAt: entry.receivedAt,
    from: parsed?.from,
    to: parsed?.to ?? [],
    subject: parsed?.subject ?? '',
    unreadable: parsed === undefined,
  };
}

export function openMailFolder(dir: string): MailFolder {
  // Received files never change, so a summary stays valid while the file's size and time do.
  const summaries = new Map<string, { key: string; summary: MessageSummary }>();

  async function findEntry(file: string): Promise<FileEntry | undefined> {
    if (!MESSAGE_FILE.test(file)) return undefined;
    return (await messageFiles(dir)).find((entry) => entry.file === file);
  }

  async function summaryOf(entry: FileEntry): Promise<MessageSummary> {
    const key = `${entry.size}:${entry.receivedAt.getTime()}`;
    const cached = summaries.get(entry.file);
    if (cached?.key === key) return cached.summary;
    const parsed = await PostalMime.parse(await readFile(join(dir, entry.file))).catch(() => undefined);
    const summary = summarize(entry, parsed);
    summaries.set(entry.file, { key, summary });
    return summary;
  }

  return {
    dir,
    async list() {
      const entries = (await messageFiles(dir)).sort(newestFirst);
      const listed = new Set(entries.map((entry) => entry.file));
      for (const file of summaries.keys()) if (!listed.has(file)) summaries.delete(file);
      return Promise.all(entries.map(summaryOf));
    },
    async open(file) {
      const entry = await findEntry(file);
      if (!entry) return undefined;
      const parsed = await PostalMime.parse(await readFile(join(dir, entry.file)));
      return { summary: summarize(entry, parsed), parsed };
    },
    async raw(file) {
      const entry = await findEntry(file);
      return entry ? readFile(join(dir, entry.file)) : undefined;
    },
  };
}
