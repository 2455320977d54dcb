// How every Rapport process connects to Temporal: plain for a local server, TLS (optionally with
// a client certificate) or an API key for a production cluster or Temporal Cloud; with payloads
// encrypted by the payload codec when TEMPORAL_CODEC_KEYS is set.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/config';
import { payloadCodecFor } from './payload-codec';

export function connectionOptions(temporal: TemporalSettings) {
  return {
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
  };
}

/**
 * The data converter option of clients and workers alike: the payload codec when payload encryption
 * is on, nothing (the SDK's default) when it is off. Every process must use it, or the others
 * cannot read what it writes.
 */
export function dataConverterOption(temporal: Pick<TemporalSettings, 'payloadCodec'>): { dataConverter?: DataConverter } {
  const codec = payloadCodecFor(temporal.payloadCodec);
  return codec ? { dataConverter: { payloadCodecs: [codec] } } : {};
}

/** The worker's connection (native, shared by its pollers). */
export function connectWorker(temporal: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal));
}

/** A client over an open connection, in the configured namespace and with the payload codec. */
export function temporalClient(connection: Connection, temporal: TemporalSettings): Client {
  return new Client({ connection, namespace: temporal.namespace, ...dataConverterOption(temporal) });
}

/** A client on a new connection (the web service's). */
export async function connectClient(temporal: TemporalSettings): Promise<Client> {
  return temporalClient(await Connection.connect(connectionOptions(temporal)), temporal);
}
