// Entry of the command line (`npm run cli -- COMMAND`): wires argv, the console and the real
// connections, configured by environment variables like the worker (see README).
import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { createPairAdmin } from '../pairs/pair-admin';
import { providerOf, redactUrl, sqlitePath } from '../prisma/adapters';
import { openDatabase } from '../prisma/database';
import { loadConfig, type TemporalSettings } from '../config/config';
import { connectionOptions, temporalClient } from '../temporal/connection';
import { CommandFailed } from './cli-args';
import { runCli, type AdminSession } from './cli-commands';

/** Opening a missing SQLite file would create an empty one; say where the database was looked for instead. */
function checkDatabaseExists(databaseUrl: string): void {
  if (providerOf(databaseUrl) !== 'sqlite' || existsSync(sqlitePath(databaseUrl))) return;
  throw new CommandFailed([
    `there is no database at ${redactUrl(databaseUrl)}: set DATABASE_URL to Rapport's database, or run npm run db:migrate (or npm start) first`,
  ]);
}

async function connectTemporal(temporal: TemporalSettings): Promise<Connection> {
  try {
    return await Connection.connect(connectionOptions(temporal));
  } catch (error) {
    throw new CommandFailed([`Temporal at ${temporal.address} could not be reached: ${(error as Error).message}`]);
  }
}

async function openAdmin(): Promise<AdminSession> {
  const config = loadConfig();
  checkDatabaseExists(config.databaseUrl);
  const connection = await connectTemporal(config.temporal);
  const database = openDatabase(config.databaseUrl);
  const temporal = temporalClient(connection, config.temporal);
  return {
    admin: createPairAdmin({ db: database.prisma, temporal, taskQueue: config.temporal.taskQueue }),
    async close() {
      await connection.close();
      await database.close();
    },
  };
}

runCli(process.argv.slice(2), { stdout: (text) => console.log(text), stderr: (text) => console.error(text) }, openAdmin).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('error:', error);
    process.exitCode = 1;
  },
);
