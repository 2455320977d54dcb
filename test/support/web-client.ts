// Talks to a running web service the way a browser would, mapping the public base URL of the
// links in emails onto the address the service listens on.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';

export interface WebClient {
  address: string;
  get(url: string): Promise<{ status: number; body: string; headers: Headers }>;
  post(url: string, fields: Record<string, string | string[]>, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
}

export function webClient(app: FastifyInstance, publicBaseUrl: string): WebClient {
  const address = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const local = (url: string) => url.replace(publicBaseUrl, address);
  return {
    address,
    async get(url) {
      const response = await fetch(local(url), { redirect: 'manual' });
      return { status: response.status, body: await response.text(), headers: response.headers };
    },
    async post(url, fields, headers = { origin: new URL(publicBaseUrl).origin }) {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
      const response = await fetch(local(url), {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        redirect: 'manual',
      });
      return { status: response.status, body: await response.text() };
    },
  };
}

export function linksIn(text: string, publicBaseUrl: string): string[] {
  const escaped = publicBaseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...text.matchAll(new RegExp(`${escaped}/(?:forms|pairs)/[A-Za-z0-9_-]+(?:/topic|/record|/meeting|/questions)?`, 'g'))].map((m) => m[0]);
}
