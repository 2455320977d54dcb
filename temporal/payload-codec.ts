// Encrypts every payload Rapport hands Temporal (workflow inputs and results, activity arguments and
// results, Updates, queries) with AES-256-GCM, so that the cluster's operator (Temporal Cloud, say)
// holds only ciphertext: defence in depth, since no names or emails are in payloads anyway.
//
// An encrypted payload carries, in clear metadata, `encoding: binary/encrypted` and
// `encryption-key-id: <key id>`; its data is
//
//   iv (12 random bytes) || ciphertext || GCM tag (16 bytes)
//
// where the plaintext is the whole original payload, metadata included, serialized as a
// temporal.api.common.v1.Payload message. No codec sees search attributes (the server indexes them;
// Rapport's is an opaque manager key) nor the bookkeeping the SDK's core writes into its markers.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadCodecSettings } from '../config/config';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PRINTABLE_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A payload that cannot be decrypted here; the message names the key id, never a key. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A key id read from a payload, fit to be quoted in a message (it came from outside). */
const quotedKeyId = (keyId: string) => (PRINTABLE_KEY_ID.test(keyId) ? `"${keyId}"` : 'that is not a valid key id');

export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly encryptingKeyId: string;
  private readonly encryptingKey: Buffer;

  constructor(settings: PayloadCodecSettings) {
    this.keys = new Map(settings.keys.map(({ id, key }) => [id, key]));
    const encryptingKey = this.keys.get(settings.encryptingKeyId);
    if (!encryptingKey) throw new Error(`The encrypting key id "${settings.encryptingKeyId}" is not among the codec's keys.`);
    this.encryptingKeyId = settings.encryptingKeyId;
    this.encryptingKey = encryptingKey;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypted(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypted(payload));
  }

  private encrypted(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.encryptingKey, iv);
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(this.encryptingKeyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  /** Payloads written before encryption was turned on (or by another codec) pass through as they are. */
  private decrypted(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (keyId === undefined) throw new PayloadDecryptionError(`An encrypted payload has no ${KEY_ID_METADATA}, so no key can decrypt it.`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `A payload is encrypted with key id ${quotedKeyId(keyId)}, which is not among TEMPORAL_CODEC_KEYS (${[...this.keys.keys()].join(', ')}): ` +
          'add that key back to decrypt it.',
      );
    }
    return temporal.api.common.v1.Payload.decode(this.plaintextOf(payload.data, key, keyId));
  }

  private plaintextOf(data: Uint8Array | null | undefined, key: Buffer, keyId: string): Buffer {
    const bytes = Buffer.from(data ?? []);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`A payload encrypted with key id "${keyId}" is too short to be one.`);
    const decipher = createDecipheriv(CIPHER, key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`A payload does not decrypt with key id "${keyId}": it was altered, or encrypted with another key of that id.`);
    }
  }
}

/** The codec the settings describe, or undefined when payload encryption is off. */
export function payloadCodecFor(settings: PayloadCodecSettings | undefined): PayloadEncryptionCodec | undefined {
  return settings ? new PayloadEncryptionCodec(settings) : undefined;
}
