/**
 * `npm run db:generate` (also run by `npm install`): rebuilds prisma/<provider>/schema.prisma and
 * runs `prisma generate` for both providers into generated/<provider>. Works offline.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSchemas, PROVIDER_DIRS, PROVIDERS } from './build-schemas';

const PLACEHOLDER_SCRIPT = '#!/bin/sh\necho "Placeholder: the native Prisma schema engine is not installed here; use npm run db:migrate." >&2\nexit 1\n';

function cacheDir(): string {
  const preferred = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rapport');
  try {
    mkdirSync(preferred, { recursive: true });
    return preferred;
  } catch {
    return tmpdir();
  }
}

/**
 * `prisma generate` never runs the schema engine but refuses to start unless the file named by
 * PRISMA_SCHEMA_ENGINE_BINARY exists (otherwise it tries to download the binary from Prisma's CDN).
 */
function schemaEngineBinary(): string {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  const placeholder = join(cacheDir(), 'prisma-schema-engine-placeholder');
  if (!existsSync(placeholder)) writeFileSync(placeholder, PLACEHOLDER_SCRIPT);
  chmodSync(placeholder, 0o755);
  return placeholder;
}

function prismaCli(): string {
  const packageJson = require.resolve('prisma/package.json');
  const { bin } = JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: { prisma: string } };
  return join(dirname(packageJson), bin.prisma);
}

export function generateClients(): void {
  buildSchemas();
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: schemaEngineBinary(), CHECKPOINT_DISABLE: '1' };
  for (const provider of PROVIDERS) {
    const config = join(__dirname, PROVIDER_DIRS[provider], 'prisma.config.ts');
    execFileSync(process.execPath, [prismaCli(), 'generate', '--config', config], { env, stdio: 'inherit' });
  }
}

if (require.main === module) {
  try {
    generateClients();
  } catch (error) {
    console.error(`db:generate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
