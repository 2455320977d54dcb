// Payload encryption on the real Temporal dev server: with a key set, every payload of a pair's
// history (its start, activities, timers' neighbours, an Update and its result) is ciphertext to a
// client without the codec, and reads back with it; keys rotate (written with A, read with A and B,
// new payloads with B); payloads from before the key was set still read; the admin's codec endpoint
// refuses without a session and decodes with one; and the `temporal` CLI shows decoded histories
// through it.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { CodecKey } from '../config/config';
import { resolveDevServer } from '../local/temporal-binaries';
import { managerKeyOf } from '../pairs/manager-search';
import { pairHandle, registerPair, startPairWorkflow } from '../pairs/registration';
import { buildWebServer } from '../server/web-server';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError, PayloadEncryptionCodec } from '../temporal/payload-codec';
import { createRapportWorker } from '../worker/rapport-worker';
import { addTopicUpdate, pairStatusQuery } from '../workflows/pair-messages';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, startRapportStack, workflowBundle, type RapportStack } from '../harness/rapport-stack';
import { freePort } from '../harness/free-port';
import { REPO, waitForHttp, watch, type RapportProcess } from '../harness/rapport-process';
import { createDevServerEnv } from '../harness/temporal-env';
import { waitForStatus, type PairHandle } from './support/pair-driver';

const KEY_A: CodecKey = { id: 'key-a', key: randomBytes(32) };
const KEY_B: CodecKey = { id: 'key-b', key: randomBytes(32) };
const codecA = new PayloadEncryptionCodec({ keys: [KEY_A], encryptingKeyId: KEY_A.id });
const codecAB = new PayloadEncryptionCodec({ keys: [KEY_A, KEY_B], encryptingKeyId: KEY_B.id });
const codecB = new PayloadEncryptionCodec({ keys: [KEY_B], encryptingKeyId: KEY_B.id });
/** Every way a key could be quoted in a message. */
const KEY_TEXTS = [KEY_A, KEY_B].flatMap(({ key }) => [key.toString('base64'), key.toString('base64url'), key.toString('hex')]);

const ADMIN_ORIGIN = new URL(PUBLIC_BASE_URL).origin;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const PASSWORD = 'correct horse battery staple';
const TOPIC = 'Codec check: a topic only the pair may read';

const run = promisify(execFile);
const DATA_DIR = mkdtempSync(join(tmpdir(), 'rapport-codec-'));
const DATABASE_URL = `file:${join(DATA_DIR, 'rapport.db')}`;

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let web: { app: FastifyInstance; base: string };
let session: string;
let encrypted: { pairId: string; handle: PairHandle };

async function startWeb(payloadCodec?: PayloadEncryptionCodec): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildWebServer({
    db: stack.db,
    temporal: stack.client,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    admin: {
      taskQueue: stack.taskQueue,
      credentials: { user: 'admin', password: PASSWORD },
      sessionSecret: 'payload-codec-tests-session-secret-0123456789',
      secureCookies: false,
      temporalUiOrigin: UI_ORIGIN,
      ...(payloadCodec ? { payloadCodec } : {}),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** Signs in and returns the session cookie's value, which is also the bearer token. */
async function signIn(base: string): Promise<string> {
  const answer = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: ADMIN_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: 'admin', password: PASSWORD }),
  });
  const value = /^rapport_admin=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  if (answer.status !== 303 || !value) throw new Error(`sign-in failed with ${answer.status}`);
  return value;
}

/** The run's history as the server holds it, read by a client without any codec. */
async function rawHistory(workflowId: string, runId?: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId, runId }, nextPageToken });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

interface FoundPayload {
  /** Where in the event it sits, e.g. workflowExecutionStartedEventAttributes.input.payloads.0 */
  path: string;
  payload: Payload;
}

/** A decoded protobuf message of type temporal.api.common.v1.Payload (the proto classes are reflection types). */
const isPayload = (value: object): value is Payload => (value as { $type?: { fullName?: string } }).$type?.fullName === '.temporal.api.common.v1.Payload';

/** Every Payload message anywhere in a decoded protobuf value. */
function payloadsIn(value: unknown, path = ''): FoundPayload[] {
  if (value !== null && typeof value === 'object' && isPayload(value)) return [{ path, payload: value }];
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => payloadsIn(inner, path ? `${path}.${key}` : key));
}

const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();
const keyIdOf = (payload: Payload) => Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
/** Search attributes are indexed by the server, so no codec may touch them (Rapport's is an opaque manager key). */
const isSearchAttribute = ({ path }: FoundPayload) => path.includes('searchAttributes.indexedFields');
/**
 * What the SDK's core writes into markers itself, past any codec: a local activity's bookkeeping
 * (sequence, attempt, activity type, times; its result is the activity's and is encrypted) and a
 * patch's id.
 */
const isSdkBookkeeping = ({ path }: FoundPayload) => /^markerRecordedEventAttributes\.details\.(data|patch-data)\./.test(path);
const LOCAL_ACTIVITY_BOOKKEEPING = ['activity_id', 'activity_type', 'attempt', 'backoff', 'complete_time', 'original_schedule_time', 'seq'];

/** The events' payloads that a codec handles, with the event each is in. */
async function codecPayloads(workflowId: string, runId?: string): Promise<(FoundPayload & { eventId: number })[]> {
  const events = await rawHistory(workflowId, runId);
  return events.flatMap((event) =>
    payloadsIn(event)
      .filter((found) => !isSearchAttribute(found) && !isSdkBookkeeping(found))
      .map((found) => ({ ...found, eventId: Number(event.eventId) })),
  );
}

/** A history's events serialized as the server keeps them (protobuf holds strings verbatim), read as text. */
function storedText(events: temporal.api.history.v1.IHistoryEvent[], { withoutSearchAttributes = false } = {}): string {
  const { HistoryEvent } = temporal.api.history.v1;
  const drop = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(drop);
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
    return Object.fromEntries(Object.entries(value).flatMap(([key, inner]) => (key === 'searchAttributes' ? [] : [[key, drop(inner)]])));
  };
  const kept = withoutSearchAttributes
    ? events.map((event) => HistoryEvent.fromObject(drop(HistoryEvent.toObject(HistoryEvent.fromObject(event))) as object))
    : events;
  return Buffer.from(temporal.api.history.v1.History.encode({ events: kept }).finish()).toString('latin1');
}

/** Every value the payloads hold once decoded, as JSON text. */
async function decodedText(payloads: Payload[], codec: PayloadEncryptionCodec): Promise<string> {
  const decoded = await codec.decode(payloads);
  return JSON.stringify(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload)));
}

const codecRequest = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${web.base}/admin/codec${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });

const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

beforeAll(async () => {
  env = await createDevServerEnv();
  stack = await startRapportStack(env, { payloadCodec: codecA, databaseUrl: DATABASE_URL });
  web = await startWeb(codecA);
  session = await signIn(web.base);
  encrypted = await stack.createPair({ report: { name: 'Casey Cipher', email: 'casey.cipher@example.com' } });
  await waitForStatus(encrypted.handle, (status) => status.cycle === 1);
  await encrypted.handle.executeUpdate(addTopicUpdate, { args: [{ text: TOPIC, by: 'report' }] });
});

afterAll(async () => {
  await web?.app.close();
  await stack?.stop();
  await env?.teardown();
  rmSync(DATA_DIR, { recursive: true, force: true });
});

it('encrypts every payload of a pair’s history, its Update included, so that Temporal holds none of its text', async () => {
  const found = await codecPayloads(encrypted.handle.workflowId);
  const paths = found.map((entry) => entry.path);
  expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^workflowExecutionStartedEventAttributes\.input\./)]));
  expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^workflowExecutionUpdateAcceptedEventAttributes\.acceptedRequest\.input\.args\./)]));
  expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^workflowExecutionUpdateCompletedEventAttributes\.outcome\.success\./)]));
  expect(found.length).toBeGreaterThan(5);
  expect(found.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING || keyIdOf(payload) !== KEY_A.id)).toEqual([]);

  // The whole history as the server stores it (protobuf holds strings verbatim): no topic, no settings.
  const events = await rawHistory(encrypted.handle.workflowId);
  const stored = storedText(events);
  for (const text of [TOPIC, 'Codec check', 'Europe/Berlin', 'Casey', 'maya@example.com']) expect(stored).not.toContain(text);
  // The pair id is in the workflow id, and in the manager key (a first pair's own id), both by design.
  expect(storedText(events, { withoutSearchAttributes: true }).replaceAll(`pair-${encrypted.pairId}`, '')).not.toContain(encrypted.pairId);

  const decoded = await decodedText(
    found.map(({ payload }) => payload),
    codecA,
  );
  expect(decoded).toContain(TOPIC);
  expect(decoded).toContain(encrypted.pairId);
  expect(decoded).toContain('Europe/Berlin');
  // And the workflow, read through the codec, is the pair's.
  expect((await encrypted.handle.query(pairStatusQuery)).cycle).toBe(1);
});

it('leaves in clear only what Temporal and the SDK must read themselves, none of it Rapport’s data', async () => {
  const events = await rawHistory(encrypted.handle.workflowId);
  const all = events.flatMap((event) => payloadsIn(event));
  const key = await managerKeyOf(stack.db, 'maya@example.com');
  const searchAttributes = all
    .filter(isSearchAttribute)
    .map(({ path, payload }) => [path.replace(/^.*indexedFields\./, ''), defaultPayloadConverter.fromPayload(payload)]);
  expect(searchAttributes).toContainEqual(['RapportManagerKey', key]);
  for (const [name, value] of searchAttributes) {
    // The SDK records the workflow's patches (their ids are code names) for visibility.
    if (name === 'TemporalChangeVersion') expect(value).toEqual([expect.stringMatching(/^pair-workflow-/)]);
    else expect([name, value]).toEqual(['RapportManagerKey', key]);
  }
  const bookkeeping = all
    .filter(isSdkBookkeeping)
    .map(({ path, payload }) => ({ path, value: defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) }));
  expect(bookkeeping.length).toBeGreaterThan(0);
  for (const { path, value } of bookkeeping) {
    if (path.includes('patch-data')) expect(value).toEqual({ id: expect.stringMatching(/^pair-workflow-/), deprecated: false });
    else expect(LOCAL_ACTIVITY_BOOKKEEPING).toEqual(expect.arrayContaining(Object.keys(value)));
  }
  expect(all.length).toBe(searchAttributes.length + bookkeeping.length + (await codecPayloads(encrypted.handle.workflowId)).length);
});

it('reads payloads written before the key was set, and encrypts what comes after', async () => {
  const { pairId, settings, managerKey } = await registerPair(stack.db, { ...SAMPLE_PAIR, report: { name: 'Pat Plain', email: 'pat.plain@example.com' } });
  // A client without the codec, as every process was before TEMPORAL_CODEC_KEYS was set.
  await startPairWorkflow(env.client, stack.taskQueue, pairId, settings, managerKey);
  const handle = pairHandle(stack.client, pairId);
  await waitForStatus(handle, (status) => status.cycle === 1);
  await handle.executeUpdate(addTopicUpdate, { args: [{ text: TOPIC, by: 'manager' }] });

  const found = await codecPayloads(handle.workflowId);
  const start = found.filter(({ path }) => path.startsWith('workflowExecutionStartedEventAttributes.input.'));
  expect(start.map(({ payload }) => encodingOf(payload))).toEqual(['json/plain']);
  const later = found.filter(({ eventId }) => eventId > 1);
  expect(later.length).toBeGreaterThan(3);
  expect(later.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING)).toEqual([]);
  expect(await decodedText(start.map(({ payload }) => payload).concat(later.map(({ payload }) => payload)), codecA)).toContain(TOPIC);
});

it('rotates keys: a history written with key A goes on with key B once both are configured, and without A it says which key is missing', async () => {
  const taskQueue = `${stack.taskQueue}-rotation`;
  const { pairId, settings, managerKey } = await registerPair(stack.db, { ...SAMPLE_PAIR, report: { name: 'Rory Rotate', email: 'rory.rotate@example.com' } });
  const clientWith = (codec: PayloadEncryptionCodec) => new Client({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
  const workerWith = async (codec: PayloadEncryptionCodec) =>
    createRapportWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: stack.deps,
      dataConverter: { payloadCodecs: [codec] },
      tuning: { workflowBundle: await workflowBundle() },
    });

  // Before the rotation: key A alone.
  await (
    await workerWith(codecA)
  ).runUntil(async () => {
    await startPairWorkflow(clientWith(codecA), taskQueue, pairId, settings, managerKey);
    await waitForStatus(pairHandle(clientWith(codecA), pairId), (status) => status.cycle === 1);
    await pairHandle(clientWith(codecA), pairId).executeUpdate(addTopicUpdate, { args: [{ text: 'Before the rotation', by: 'report' }] });
  });
  // After it: A and B, B encrypting. A new worker replays the A history before it answers.
  await (
    await workerWith(codecAB)
  ).runUntil(async () => {
    const handle = pairHandle(clientWith(codecAB), pairId);
    expect(await handle.executeUpdate(addTopicUpdate, { args: [{ text: 'After the rotation', by: 'report' }] })).toEqual({
      topicId: `${pairId}:topic:2`,
      forCycle: 1,
    });
    expect((await handle.query(pairStatusQuery)).cycle).toBe(1);
  });

  const found = await codecPayloads(`pair-${pairId}`);
  const keyIds = found.map(({ payload }) => keyIdOf(payload));
  expect(new Set(keyIds)).toEqual(new Set([KEY_A.id, KEY_B.id]));
  expect(keyIds.indexOf(KEY_B.id)).toBeGreaterThan(keyIds.lastIndexOf(KEY_A.id));
  const payloads = found.map(({ payload }) => payload);
  const decoded = await decodedText(payloads, codecAB);
  expect(decoded).toContain('Before the rotation');
  expect(decoded).toContain('After the rotation');

  // Key A dropped too early: every A payload is refused, naming key A and never a key.
  const refused = await codecB.decode(payloads).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(PayloadDecryptionError);
  expect((refused as Error).message).toBe(
    'A payload is encrypted with key id "key-a", which is not among TEMPORAL_CODEC_KEYS (key-b): add that key back to decrypt it.',
  );
  for (const text of KEY_TEXTS) expect((refused as Error).message).not.toContain(text);
  // A payload encrypted under A's id with another key is refused as altered.
  const impostor = new PayloadEncryptionCodec({ keys: [{ id: KEY_A.id, key: KEY_B.key }], encryptingKeyId: KEY_A.id });
  await expect(impostor.decode(payloads.slice(0, 1))).rejects.toThrow(
    'A payload does not decrypt with key id "key-a": it was altered, or encrypted with another key of that id.',
  );
});

describe('the codec endpoint', () => {
  const plain = () => defaultPayloadConverter.toPayload({ topic: TOPIC });
  const encryptedWire = async () => toWire((await codecA.encode([plain()]))[0]);

  it('refuses without a live session, and a session cookie from any other origin', async () => {
    const body = { payloads: [await encryptedWire()] };
    const signIn =
      'Sign in first: send the admin session cookie, or the header "Authorization: Bearer <the value of the rapport_admin cookie>" (the Temporal CLI sends it with --codec-auth).';
    const origin =
      'A codec request signed in with the session cookie must come from the admin pages or the Temporal UI (TEMPORAL_UI_ORIGIN); send the session as "Authorization: Bearer …" instead.';
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, signIn],
      [{ origin: ADMIN_ORIGIN }, 401, signIn],
      [{ authorization: 'Bearer not-a-session' }, 401, signIn],
      [{ authorization: `Bearer ${session.slice(0, -2)}xx` }, 401, signIn],
      [{ authorization: session }, 401, signIn],
      [{ cookie: `rapport_admin=${session}` }, 403, origin],
      [{ cookie: `rapport_admin=${session}`, origin: 'https://evil.example' }, 403, origin],
      [{ cookie: `rapport_admin=${session}`, origin: ADMIN_ORIGIN, 'sec-fetch-site': 'cross-site' }, 403, origin],
    ];
    for (const path of ['/decode', '/encode']) {
      for (const [headers, status, problem] of cases) {
        const answer = await codecRequest(path, body, headers);
        expect({ path, headers, status: answer.status, body: await answer.json() }).toEqual({ path, headers, status, body: { problems: [problem] } });
      }
    }
  });

  it('decodes and encodes for a signed-in admin: bearer from anywhere, cookie from the admin pages or the Temporal UI', async () => {
    const body = { payloads: [await encryptedWire()] };
    const signedIn: Record<string, string>[] = [
      { authorization: `Bearer ${session}` },
      { authorization: `bearer ${session}`, origin: 'https://anywhere.example' },
      { cookie: `rapport_admin=${session}`, origin: ADMIN_ORIGIN },
      { cookie: `rapport_admin=${session}`, 'sec-fetch-site': 'same-origin' },
      { cookie: `rapport_admin=${session}`, origin: UI_ORIGIN, 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of signedIn) {
      const answer = await codecRequest('/decode', body, headers);
      expect({ headers, status: answer.status, body: await answer.json() }).toEqual({ headers, status: 200, body: { payloads: [toWire(plain())] } });
    }

    const encoded = await codecRequest('/encode', { payloads: [toWire(plain())] }, { authorization: `Bearer ${session}` });
    expect(encoded.status).toBe(200);
    const [wire] = ((await encoded.json()) as { payloads: ReturnType<typeof toWire>[] }).payloads;
    expect(wire.metadata).toEqual({
      encoding: Buffer.from(ENCRYPTED_ENCODING).toString('base64'),
      [KEY_ID_METADATA]: Buffer.from(KEY_A.id).toString('base64'),
    });
    expect(Buffer.from(wire.data, 'base64').toString('latin1')).not.toContain('Codec check');
    const decoded = await codecRequest('/decode', { payloads: [wire] }, { authorization: `Bearer ${session}` });
    expect(await decoded.json()).toEqual({ payloads: [toWire(plain())] });
  });

  it('answers the Temporal UI’s preflight and lets only it read answers across origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${web.base}/admin/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(
      Object.fromEntries(
        ['allow-origin', 'allow-credentials', 'allow-methods', 'allow-headers'].map((name) => [name, allowed.headers.get(`access-control-${name}`)]),
      ),
    ).toEqual({
      'allow-origin': UI_ORIGIN,
      'allow-credentials': 'true',
      'allow-methods': 'POST',
      'allow-headers': 'Authorization, Content-Type, X-Namespace',
    });
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const fromUi = await codecRequest('/decode', { payloads: [await encryptedWire()] }, { cookie: `rapport_admin=${session}`, origin: UI_ORIGIN });
    expect([fromUi.status, fromUi.headers.get('access-control-allow-origin'), fromUi.headers.get('access-control-allow-credentials')]).toEqual([
      200,
      UI_ORIGIN,
      'true',
    ]);
    const fromElsewhere = await codecRequest(
      '/decode',
      { payloads: [await encryptedWire()] },
      { authorization: `Bearer ${session}`, origin: 'https://evil.example' },
    );
    expect([fromElsewhere.status, fromElsewhere.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });

  it('says what is wrong with a request it cannot decode', async () => {
    const bearer = { authorization: `Bearer ${session}` };
    const unknownKey = toWire((await codecB.encode([plain()]))[0]);
    const cases: [unknown, number, string[]][] = [
      [{}, 400, ['The request has no payloads list: send { "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] } as application/json.']],
      [
        { payloads: [{ metadata: { encoding: 'not base64!' }, data: 42 }, 'x'] },
        400,
        ['payloads[0].metadata["encoding"] must be base64', 'payloads[0].data must be base64', 'payloads[1] must be an object with metadata and data'],
      ],
      [
        { payloads: [unknownKey] },
        422,
        ['A payload is encrypted with key id "key-b", which is not among TEMPORAL_CODEC_KEYS (key-a): add that key back to decrypt it.'],
      ],
    ];
    for (const [body, status, problems] of cases) {
      const answer = await codecRequest('/decode', body, bearer);
      expect({ status: answer.status, body: await answer.json() }).toEqual({ status, body: { problems } });
    }
    const many = await codecRequest('/decode', { payloads: Array.from({ length: 50 }, () => 'x') }, bearer);
    expect(((await many.json()) as { problems: string[] }).problems).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `payloads[${index}] must be an object with metadata and data`),
      'and 40 more problems like these',
    ]);
    const notJson = await fetch(`${web.base}/admin/codec/decode`, { method: 'POST', headers: { ...bearer, 'content-type': 'text/plain' }, body: 'payloads' });
    expect(notJson.status).toBe(415);
    expect(await notJson.json()).toEqual({ problems: [expect.stringMatching(/^The request body is of a type this route does not take/)] });
  });

  it('ends with the session: a bearer token of a signed-out session is refused', async () => {
    const other = await signIn(web.base);
    const body = { payloads: [await encryptedWire()] };
    expect((await codecRequest('/decode', body, { authorization: `Bearer ${other}` })).status).toBe(200);
    const signedOut = await fetch(`${web.base}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: ADMIN_ORIGIN, cookie: `rapport_admin=${other}` },
    });
    expect(signedOut.status).toBe(303);
    expect((await codecRequest('/decode', body, { authorization: `Bearer ${other}` })).status).toBe(401);
  });

  it('answers 404 saying so when payload encryption is off, after the same guard', async () => {
    const off = await startWeb();
    try {
      const offSession = await signIn(off.base);
      const send = (headers: Record<string, string>) =>
        fetch(`${off.base}/admin/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"payloads":[]}' });
      const refused = await send({});
      expect(refused.status).toBe(401);
      const answer = await send({ authorization: `Bearer ${offSession}` });
      expect({ status: answer.status, body: await answer.json() }).toEqual({
        status: 404,
        body: {
          problems: [
            'Payload encryption is off (TEMPORAL_CODEC_KEYS is not set), so there is no codec endpoint: payloads in Temporal are stored unencrypted and need no decoding.',
          ],
        },
      });
    } finally {
      await off.app.close();
    }
  });
});

describe('the worker and web service entries', () => {
  const running: RapportProcess[] = [];
  /** An entry started from its source, with the environment alone, as `npm run worker` / `npm run web` do from dist/. */
  const start = (entry: string, settings: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...settings },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(watch(child));
    return running[running.length - 1];
  };
  afterAll(async () => {
    await Promise.all(running.map((entry) => entry.stop()));
  });

  it('encrypt with TEMPORAL_CODEC_KEYS alone: a pair created through the web service and run by the worker', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const settings = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: `${stack.taskQueue}-entries`,
      TEMPORAL_CODEC_KEYS: `${KEY_B.id}:${KEY_B.key.toString('base64')},${KEY_A.id}:${KEY_A.key.toString('base64')}`,
      TEMPORAL_CODEC_KEY_ID: KEY_A.id,
      DATABASE_URL,
      PUBLIC_BASE_URL,
      SMTP_URL: stack.smtp.url,
      MAIL_FROM: 'Rapport <rapport@rapport.test>',
      METRICS_PORT: 'off',
      HEALTH_PORT: 'off',
      WORKFLOW_BUNDLE_PATH: join(DATA_DIR, 'no-prebuilt-bundle.js'),
      WEB_PORT: String(port),
      ADMIN_PASSWORD: PASSWORD,
      SESSION_SECRET: 'payload-codec-entries-session-secret-0123456789',
    };
    const worker = start('worker/run-worker.ts', settings);
    const web = start('server/main.ts', settings);
    await waitForHttp(`${base}/healthz`, web);
    const cookie = `rapport_admin=${await signIn(base)}`;
    const created = await fetch(`${base}/admin/api/pairs`, {
      method: 'POST',
      headers: { origin: ADMIN_ORIGIN, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ ...SAMPLE_PAIR, report: { name: 'Eli Entry', email: 'eli.entry@example.com' } }),
    });
    const text = await created.text();
    expect({ status: created.status, text }).toMatchObject({ status: 201 });
    const { pairId } = JSON.parse(text) as { pairId: string };

    // The worker process runs it: read through a client with the codec, the pair reaches its first cycle.
    await waitForStatus(pairHandle(stack.client, pairId), (status) => status.cycle === 1, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${worker.output()}`);
    });
    const found = await codecPayloads(`pair-${pairId}`);
    const paths = found.map(({ path }) => path.replace(/\.payloads\.\d+$/, ''));
    expect(paths).toEqual(expect.arrayContaining(['workflowExecutionStartedEventAttributes.input', 'markerRecordedEventAttributes.details.result']));
    expect(found.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING || keyIdOf(payload) !== KEY_A.id)).toEqual([]);
    expect(worker.output()).toContain('on (key key-a encrypts)');

    const decoded = await fetch(`${base}/admin/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cookie.split('=')[1]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: found.slice(0, 1).map(({ payload }) => toWire(payload)) }),
    });
    expect(decoded.status).toBe(200);
    const [input] = ((await decoded.json()) as { payloads: ReturnType<typeof toWire>[] }).payloads;
    expect(Buffer.from(input.data, 'base64').toString()).toContain(pairId);
  }, 180_000);
});

describe('Rapport’s CLI', () => {
  const cli = (settings: Record<string, string>, ...args: string[]) =>
    run('node_modules/.bin/tsx', ['cli/rapport-cli.ts', ...args], {
      cwd: join(__dirname, '..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TEMPORAL_ADDRESS: env.address,
        DATABASE_URL,
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        ...settings,
      },
      timeout: 60_000,
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('sends its Updates encrypted with TEMPORAL_CODEC_KEYS, and refuses a bad key without quoting it', async () => {
    const { pairId, handle } = await stack.createPair({ report: { name: 'Cleo Command', email: 'cleo.command@example.com' } });
    await waitForStatus(handle, (status) => status.cycle === 1);
    const keys = `${KEY_A.id}:${KEY_A.key.toString('base64')}`;
    const { runId } = await handle.describe();
    // The Update's argument is encrypted by the CLI; its result, encrypted by the worker, is read back.
    expect(await cli({ TEMPORAL_CODEC_KEYS: keys }, 'pairs', 'skip', pairId, '--reason', 'a codec check')).toEqual({
      code: 0,
      stdout: `Skipped the upcoming meeting of pair ${pairId}.\n`,
    });
    // The skip ends the cycle: the Update is in the run it was sent to.
    const update = (await codecPayloads(handle.workflowId, runId)).filter(({ path }) => path.startsWith('workflowExecutionUpdate'));
    expect(update.map(({ path, payload }) => [path.split('.')[0], encodingOf(payload), keyIdOf(payload)])).toEqual([
      ['workflowExecutionUpdateAcceptedEventAttributes', ENCRYPTED_ENCODING, KEY_A.id],
      ['workflowExecutionUpdateCompletedEventAttributes', ENCRYPTED_ENCODING, KEY_A.id],
    ]);
    expect(
      await decodedText(
        update.map(({ payload }) => payload),
        codecA,
      ),
    ).toContain('"by":"admin"');

    const wrong = await cli({ TEMPORAL_CODEC_KEYS: `${KEY_A.id}:${KEY_A.key.subarray(0, 16).toString('base64')}` }, 'pairs', 'resume', pairId);
    expect(wrong).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: TEMPORAL_CODEC_KEYS: entry 1 (key id key-a): the key must be exactly 32 bytes, not 16; make one with: openssl rand -base64 32\n',
    });
  });
});

describe('the temporal CLI', () => {
  const cli = () => {
    const server = resolveDevServer();
    if (server.type !== 'existing-path') throw new Error('the temporal CLI is not provisioned: run bash tools/provision.sh temporal');
    return server.path;
  };
  const show = async (...extra: string[]) => {
    const args = [
      'workflow',
      'show',
      '--address',
      env.address,
      '--namespace',
      'default',
      '--workflow-id',
      encrypted.handle.workflowId,
      '--output',
      'json',
      ...extra,
    ];
    return (await run(cli(), args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
  };

  /** The payloads of the CLI's JSON output (proto JSON: metadata and data in base64), by encoding, their data as text. */
  const payloadsShown = (output: string) => {
    const found: { encoding: string; text: string }[] = [];
    const visit = (value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      const { metadata, data } = value as { metadata?: { encoding?: unknown }; data?: unknown };
      if (typeof metadata?.encoding === 'string') {
        const text = typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : JSON.stringify(data ?? null);
        found.push({ encoding: Buffer.from(metadata.encoding, 'base64').toString(), text });
        return;
      }
      Object.values(value).forEach(visit);
    };
    visit(JSON.parse(output));
    return found;
  };

  it('shows a history decoded through the codec endpoint, with the admin session as --codec-auth', async () => {
    const decoded = payloadsShown(await show('--codec-endpoint', `${web.base}/admin/codec`, '--codec-auth', `Bearer ${session}`));
    expect(decoded.length).toBeGreaterThan(5);
    expect(decoded.filter(({ encoding }) => encoding === ENCRYPTED_ENCODING)).toEqual([]);
    const text = decoded.map((payload) => payload.text).join('\n');
    expect(text).toContain(TOPIC);
    expect(text).toContain(encrypted.pairId);

    const raw = payloadsShown(await show());
    expect(raw.length).toBe(decoded.length);
    // Without the endpoint, every payload a codec handles is ciphertext (the rest: see above).
    expect(raw.filter(({ encoding }) => encoding === ENCRYPTED_ENCODING)).toHaveLength((await codecPayloads(encrypted.handle.workflowId)).length);
    expect(raw.map((payload) => payload.text).join('\n')).not.toContain(TOPIC);
  });

  it('shows nothing decoded without the session: the endpoint refuses it', async () => {
    const failed = await show('--codec-endpoint', `${web.base}/admin/codec`, '--command-timeout', '3s').then(
      (stdout) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failed.code).not.toBe(0);
    expect(failed.stdout ?? '').not.toContain(Buffer.from(TOPIC).toString('base64'));
  });
});
