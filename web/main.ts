// Production entry of the web service: configured only by environment variables (see README).
// Stops on SIGTERM/SIGINT after finishing the requests in flight.
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../prisma/database';
import { ConfigError, loadConfig } from '../worker/config';
import { startWebService } from './web-service';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const service = await startWebService(config, database.prisma, temporal);
  const stop = async () => {
    await service.stop();
    await connection.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
