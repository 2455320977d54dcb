// The main job's data folder holds the admin password, every email with its live form links and
// the databases, so only its owner may read it: the folder 0700, the files the project writes 0600.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;
const MAIL_FOLDER = 'mail';
const DATABASES = ['rapport.db', 'temporal.db'];
/** What the project writes at the top of the folder; nothing else there is touched. */
const OWN_FILES = new Set(['admin-password', ...DATABASES.flatMap((db) => [db, `${db}-wal`, `${db}-shm`, `${db}-journal`])]);

const modeOf = (stats: Stats) => stats.mode & 0o777;
const openToOthers = (stats: Stats) => (stats.mode & 0o077) !== 0;

/** Chmods path if it is a folder or file (never a link) that others may open; true if it was. */
function tighten(path: string, kind: 'folder' | 'file'): boolean {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats || !openToOthers(stats)) return false;
  if (!(kind === 'folder' ? stats.isDirectory() : stats.isFile())) return false;
  chmodSync(path, kind === 'folder' ? PRIVATE_FOLDER : PRIVATE_FILE);
  return true;
}

/** The project's own files in the data folder and its mail folder, with how many were loose. */
function tightenContents(dir: string): number {
  const mailDir = join(dir, MAIL_FOLDER);
  const mailFolder = tighten(mailDir, 'folder') ? 1 : 0;
  const messages = lstatSync(mailDir, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(mailDir).filter((name) => name.endsWith('.eml')) : [];
  const ownFiles = readdirSync(dir).filter((name) => OWN_FILES.has(name));
  const files = [...ownFiles.map((name) => join(dir, name)), ...messages.map((name) => join(mailDir, name))];
  return mailFolder + files.filter((file) => tighten(file, 'file')).length;
}

function tightenedLine(dir: string, folderMode: number | undefined, contents: number): string | undefined {
  const inside = `${contents} of the files and folders in it`;
  if (folderMode !== undefined) {
    return `data folder ${dir} was open to other users (mode 0${folderMode.toString(8)}): tightened to 0700${contents > 0 ? `, and ${inside} to owner-only` : ''}`;
  }
  return contents > 0 ? `data folder ${dir}: ${inside} were open to other users: tightened to owner-only (0600 files, 0700 folders)` : undefined;
}

/**
 * Creates the data folder owner-only, or tightens an existing one and the files the project wrote
 * in it. Returns a line for the terminal when something was tightened.
 */
export function preparePrivateDataFolder(dir: string): string | undefined {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER });
    // mkdirSync's mode is masked by the umask.
    chmodSync(dir, PRIVATE_FOLDER);
    return undefined;
  }
  const real = realpathSync(dir);
  const before = modeOf(lstatSync(real));
  const folderMode = tighten(real, 'folder') ? before : undefined;
  return tightenedLine(dir, folderMode, tightenContents(real));
}
