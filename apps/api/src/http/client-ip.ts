// The caller's address: the socket's, unless the socket is a configured trusted proxy, in
// which case X-Forwarded-For is read as far back as the trusted hops go. A client that is
// not a trusted proxy cannot choose its address by sending the header.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type TrustFn = (addr: string, i: number) => boolean;

export function compileTrust(trustedProxies: string[]): TrustFn {
  if (trustedProxies.length === 0) return () => false;
  return proxyaddr.compile(trustedProxies);
}

export function clientIp(req: IncomingMessage, trust: TrustFn): string {
  try {
    return proxyaddr(req, trust);
  } catch {
    return req.socket.remoteAddress ?? 'unknown';
  }
}
