import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from './certificate.ts';

function get(port: number, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('demo certificate', () => {
  it('is a valid self-signed certificate for localhost and 127.0.0.1', () => {
    const { cert } = selfSignedCertificate({ days: 3 });
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=localhost');
    expect(x.issuer).toBe('CN=localhost');
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const days = (new Date(x.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
  });

  it('every certificate parses, whatever its random serial (1,024 made)', () => {
    for (let i = 0; i < 1024; i++) {
      const x = new X509Certificate(selfSignedCertificate().cert);
      expect(x.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    }
  });

  it('serves TLS that a client trusting it accepts, and one not trusting it refuses', async () => {
    const { key, cert } = selfSignedCertificate();
    const server = createServer({ key, cert }, (_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await get(port, cert)).toBe(204);
      await expect(get(port, undefined)).rejects.toThrow(/self.signed|certificate/i);
      // Another certificate of the same shape is not this one.
      await expect(get(port, selfSignedCertificate().cert)).rejects.toThrow(/certificate|signature/i);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
