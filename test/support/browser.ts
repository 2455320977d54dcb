// Debian's Chromium driven by playwright-core (never a browser download), and a free port for a
// web service whose address must be known before the emails that link to it are sent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const SCREENSHOTS = join(__dirname, '..', '..', '.test-results');

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: run 'bash tools/provision.sh chromium' or set CHROMIUM_PATH`);
  }
  // Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export { freePort } from '../../harness/free-port';
