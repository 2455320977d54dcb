// Production entry of the web service, configured only by environment variables (see README).
// Logs JSON lines; stops on SIGTERM/SIGINT after finishing the requests in flight.
import { migrateDatabase } from '../prisma/migrate';
import { openDatabase } from '../prisma/database';
import { ConfigError, loadConfig } from '../config/config';
import { connectClient } from '../temporal/connection';
import { startWebService } from './web-service';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'web');
  if (config.migrateOnStart) await migrateDatabase(config.databaseUrl, (line) => console.log(JSON.stringify({ level: 'info', message: line })));
  const database = openDatabase(config.databaseUrl);
  const temporal = await connectClient(config.temporal);
  const service = await startWebService(config, database.prisma, temporal);
  service.app.log.info({ url: service.url, publicBaseUrl: config.publicBaseUrl, admin: config.admin.password ? 'on' : 'off' }, 'rapport web service started');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.app.log.info({ signal }, 'rapport web service stopping');
    await service.stop();
    await temporal.connection.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
