// How every Rapport process connects to Temporal: plain for a local server, TLS (optionally with
// a client certificate) or an API key for a production cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/config';

export function connectionOptions(temporal: TemporalSettings) {
  return {
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
  };
}

/** The worker's connection (native, shared by its pollers). */
export function connectWorker(temporal: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal));
}

/** A client for the web service, the CLI and the main job. */
export async function connectClient(temporal: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(temporal));
  return new Client({ connection, namespace: temporal.namespace });
}
