// `npm start` as a terminal runs it, for the tests of the main job: in its own process group (so
// that Ctrl-C reaches all of it), on ports the test chose, waited for until its banner is printed.
import { spawn } from 'node:child_process';
import { REPO, watch, type RapportProcess } from '../../harness/rapport-process';

export interface MainJobSettings {
  dataDir: string;
  ports: { web: number; smtp: number; temporal: number; ui: number };
  publicBaseUrl: string;
  /** The worker's metrics port, or off. */
  metricsPort: number | 'off';
}

export function startMainJob({ dataDir, ports, publicBaseUrl, metricsPort }: MainJobSettings): RapportProcess {
  const child = spawn('npm', ['start'], {
    cwd: REPO,
    detached: true,
    env: {
      ...process.env,
      RAPPORT_DATA_DIR: dataDir,
      WEB_PORT: String(ports.web),
      PUBLIC_BASE_URL: publicBaseUrl,
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      TEMPORAL_UI_PORT: String(ports.ui),
      METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watch(child);
}

/** What the main job printed once it says it is running; fails if it exits or takes three minutes. */
export async function mainJobBanner(job: RapportProcess): Promise<string> {
  const deadline = Date.now() + 180_000;
  while (!job.output().includes('Press Ctrl-C to stop')) {
    if (job.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${job.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return job.output();
}

/** Ctrl-C: SIGINT to the process group, then the exit of npm itself. */
export async function pressCtrlC(job: RapportProcess): Promise<number | string> {
  process.kill(-(job.child.pid as number), 'SIGINT');
  return job.exited;
}
