// The local stack's defence against DNS rebinding: a page on some other site whose name is made to
// resolve to 127.0.0.1 reaches the web service from the browser, but its requests still carry that
// site's name in the Host header. The main job's web service answers only its own names (the
// check itself is web/host-check.ts).
/** How a host and port appear in a Host header: an IPv6 literal goes in brackets. */
export function hostHeaderOf(host: string, port: number): string {
  const name = host.includes(':') ? `[${host}]` : host;
  return `${name}:${port}`.toLowerCase();
}

/**
 * The Host headers the local web service answers: the address it listens on, the loopback names
 * for its port, and the host of PUBLIC_BASE_URL (the links in emails). Loopback literals are safe
 * to allow whatever the listening address: a rebound name never arrives as one.
 */
export function localHostsOf(web: { host: string; port: number }, publicBaseUrl: string): string[] {
  const hosts = [hostHeaderOf(web.host, web.port), hostHeaderOf('localhost', web.port), hostHeaderOf('127.0.0.1', web.port), hostHeaderOf('::1', web.port)];
  // URL.host is already lower-cased and leaves out a default port, as browsers do in Host.
  return [...new Set([...hosts, new URL(publicBaseUrl).host])];
}
