// One main job per data folder: a second `npm start` on the same folder would fight the first for
// its ports and its databases. The first keeps a lock file naming its process and web address;
// the second reads it and refuses, saying where Rapport already runs.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

interface LockContent {
  pid: number;
  url: string;
}

export type Lock = { taken: true; release(): void } | { taken: false; holder: LockContent };

const lockFile = (dataDir: string) => join(dataDir, 'rapport.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof content.pid === 'number' && typeof content.url === 'string' ? { pid: content.pid, url: content.url } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the data folder's lock for this process, or says who holds it. A lock left by a process that died is taken over. */
export function takeRunningLock(dataDir: string, url: string): Lock {
  const file = lockFile(dataDir);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, url }));
      closeSync(fd);
      const release = () => {
        if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { taken: true, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) return { taken: false, holder };
    rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}: remove it if no Rapport is running`);
}

/** What a second `npm start` says. */
export function alreadyRunning(holder: LockContent, dataDir: string): string {
  const port = new URL(holder.url).port || '80';
  return `Rapport is already running on port ${port} (${holder.url}, process ${holder.pid}) with the data folder ${dataDir}. Stop it first (Ctrl-C in its terminal), or start this one with another RAPPORT_DATA_DIR and ports.`;
}
