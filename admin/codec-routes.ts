// The codec endpoint under /admin/codec, in Temporal's codec server protocol, so that the Temporal
// UI and the `temporal` CLI can show histories whose payloads Rapport encrypts: POST /encode and
// POST /decode take { "payloads": [{ "metadata": { key: base64 }, "data": base64 }] } and answer
// the same shape. Neither changes anything, but decode reveals everything, so both need an admin
// session: the session cookie (from the admin pages or the Temporal UI's origin, against CSRF), or
// the same session as `Authorization: Bearer <cookie value>`, which is what the CLI's --codec-auth
// sends and which no other site can forge, so it needs no Origin.
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refuseApiRequest } from '../http/request-refusals';
import { PayloadDecryptionError } from '../temporal/payload-codec';
import { isRecord } from '../workflows/message-rules';
import { cookieValue, SESSION_COOKIE, type SessionStore } from './admin-session';

export interface CodecRouteOptions {
  sessions: SessionStore;
  /** Absent when payload encryption is off: the endpoint then answers 404 saying so. */
  payloadCodec?: PayloadCodec;
  /** The Temporal UI's origin (TEMPORAL_UI_ORIGIN), allowed to call from the browser with the cookie. */
  temporalUiOrigin?: string;
  fromOwnPage: (request: FastifyRequest) => boolean;
}

/** Temporal refuses payloads over 2 MiB; a few of them in base64 fit. */
export const CODEC_BODY_LIMIT = 8 * 1024 * 1024;
const PREFLIGHT_MAX_AGE_SECONDS = 600;
const MAX_PROBLEMS = 10;

const SIGN_IN_PROBLEM =
  'Sign in first: send the admin session cookie, or the header "Authorization: Bearer <the value of the rapport_admin cookie>" ' +
  '(the Temporal CLI sends it with --codec-auth).';
const ORIGIN_PROBLEM =
  'A codec request signed in with the session cookie must come from the admin pages or the Temporal UI (TEMPORAL_UI_ORIGIN); ' +
  'send the session as "Authorization: Bearer …" instead.';
const PREFLIGHT_PROBLEM = 'Only the Temporal UI at TEMPORAL_UI_ORIGIN may call the codec endpoint from a browser.';
const ENCRYPTION_OFF_PROBLEM =
  'Payload encryption is off (TEMPORAL_CODEC_KEYS is not set), so there is no codec endpoint: payloads in Temporal are stored unencrypted and need no decoding.';
const WIRE_SHAPE = 'send { "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] } as application/json';

interface WirePayload {
  metadata: Record<string, string>;
  data: string;
}

type Read = { payloads: Payload[]; problems?: undefined } | { problems: string[] };

const isBase64 = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) && value.replace(/=+$/, '').length % 4 !== 1;

/** A metadata key as it may be quoted back: short, and printable. */
const quotedKey = (key: string) => JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);

function payloadFromWire(wire: unknown, at: string): Payload | string[] {
  if (!isRecord(wire)) return [`${at} must be an object with metadata and data`];
  const metadata = wire.metadata ?? {};
  if (!isRecord(metadata)) return [`${at}.metadata must be an object of base64 values`];
  const problems = Object.entries(metadata)
    .filter(([, value]) => !isBase64(value))
    .map(([key]) => `${at}.metadata[${quotedKey(key)}] must be base64`);
  if (wire.data !== undefined && wire.data !== null && !isBase64(wire.data)) problems.push(`${at}.data must be base64`);
  if (problems.length > 0) return problems;
  const decoded = Object.entries(metadata).flatMap(([key, value]) => (isBase64(value) ? [[key, Buffer.from(value, 'base64')] as const] : []));
  return { metadata: Object.fromEntries(decoded), data: Buffer.from(typeof wire.data === 'string' ? wire.data : '', 'base64') };
}

/** The first few problems, so that an answer never grows with the input. */
function firstProblems(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems like these`];
}

/** The payloads of a codec request, or every problem with them. */
function payloadsFromWire(body: unknown): Read {
  if (!isRecord(body) || !Array.isArray(body.payloads)) return { problems: [`The request has no payloads list: ${WIRE_SHAPE}.`] };
  const read = body.payloads.map((wire, index) => payloadFromWire(wire, `payloads[${index}]`));
  const problems = read.flatMap((entry) => (Array.isArray(entry) ? entry : []));
  if (problems.length > 0) return { problems: firstProblems(problems) };
  return { payloads: read.filter((entry): entry is Payload => !Array.isArray(entry)) };
}

function payloadToWire(payload: Payload): WirePayload {
  const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, base64(value)])),
    data: base64(payload.data),
  };
}

/** A codec route: the payloads read, passed through the codec, and sent back, or what was wrong. */
function codecRoute(transform: (payloads: Payload[]) => Promise<Payload[]>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const read = payloadsFromWire(request.body);
    if (read.problems) return reply.code(400).send({ problems: read.problems });
    try {
      return reply.send({ payloads: (await transform(read.payloads)).map(payloadToWire) });
    } catch (error) {
      if (error instanceof PayloadDecryptionError) return reply.code(422).send({ problems: [error.message] });
      throw error;
    }
  };
}

const bearerOf = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/** Lets a request on with a live admin session: a bearer one from anywhere, a cookie one from an allowed origin. */
function requireCodecSession(options: CodecRouteOptions) {
  const fromAllowedOrigin = (request: FastifyRequest) =>
    options.fromOwnPage(request) || (options.temporalUiOrigin !== undefined && request.headers.origin === options.temporalUiOrigin);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = bearerOf(request.headers.authorization);
    request.adminUser = bearer === undefined ? null : await options.sessions.verify(bearer);
    if (request.adminUser !== null) return undefined;
    request.adminUser = await options.sessions.verify(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (request.adminUser === null) return reply.code(401).send({ problems: [SIGN_IN_PROBLEM] });
    if (fromAllowedOrigin(request)) return undefined;
    request.adminUser = null;
    return reply.code(403).send({ problems: [ORIGIN_PROBLEM] });
  };
}

/** The CORS headers that let the Temporal UI read an answer (errors included), and only it. */
function allowTemporalUi(uiOrigin: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Vary', 'Origin');
    if (uiOrigin === undefined || request.headers.origin !== uiOrigin) return;
    reply.header('Access-Control-Allow-Origin', uiOrigin).header('Access-Control-Allow-Credentials', 'true');
  };
}

/** The browser's preflight: it carries no credentials, so it is answered before any session check. */
async function registerPreflight(preflight: FastifyInstance, uiOrigin: string): Promise<void> {
  preflight.addHook('onRequest', allowTemporalUi(uiOrigin));
  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.origin !== uiOrigin) return reply.code(403).send({ problems: [PREFLIGHT_PROBLEM] });
    return reply
      .code(204)
      .header('Access-Control-Allow-Methods', 'POST')
      .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace')
      .header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS))
      .send();
  };
  preflight.options('/encode', answer);
  preflight.options('/decode', answer);
}

async function registerEncodeDecode(codec: FastifyInstance, payloadCodec: PayloadCodec): Promise<void> {
  codec.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: CODEC_BODY_LIMIT }, codec.getDefaultJsonParser('error', 'error'));
  // X-Namespace is not read: one set of keys serves the deployment's namespace.
  codec.post(
    '/encode',
    { bodyLimit: CODEC_BODY_LIMIT },
    codecRoute((payloads) => payloadCodec.encode(payloads)),
  );
  codec.post(
    '/decode',
    { bodyLimit: CODEC_BODY_LIMIT },
    codecRoute((payloads) => payloadCodec.decode(payloads)),
  );
}

/**
 * Registers /codec/encode and /codec/decode in the admin plugin, each with the session guard above
 * (not the admin pages' origin check, which the CLI could not pass). With encryption off there are
 * no routes, and any request under /codec meets the guard, then a 404 saying encryption is off.
 */
export async function registerCodecRoutes(admin: FastifyInstance, options: CodecRouteOptions): Promise<void> {
  const { payloadCodec, temporalUiOrigin } = options;
  if (payloadCodec && temporalUiOrigin) await admin.register(async (preflight) => registerPreflight(preflight, temporalUiOrigin), { prefix: '/codec' });
  await admin.register(
    async (codec) => {
      codec.addHook('onRequest', allowTemporalUi(temporalUiOrigin));
      codec.addHook('onRequest', requireCodecSession(options));
      codec.setErrorHandler(refuseApiRequest);
      codec.setNotFoundHandler(async (_request, reply) => {
        if (!payloadCodec) return reply.code(404).send({ problems: [ENCRYPTION_OFF_PROBLEM] });
        return reply.code(404).send({ problems: [`The codec endpoint is /admin/codec, with POST /admin/codec/encode and POST /admin/codec/decode only.`] });
      });
      if (payloadCodec) await registerEncodeDecode(codec, payloadCodec);
    },
    { prefix: '/codec' },
  );
}
