// A throwaway self-signed certificate for the demo's simulated broker (localhost and
// 127.0.0.1, P-256, a few days long), made with node:crypto alone so `pnpm demo` needs no
// openssl. The API process trusts it through NODE_EXTRA_CA_CERTS, exactly as it would trust a
// private CA in front of a real service; nothing else ever sees it.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (hex: string) => der(0x06, Buffer.from(hex, 'hex'));
const OID_ECDSA_SHA256 = '2a8648ce3d040302';
const OID_COMMON_NAME = '550403';
const OID_SUBJECT_ALT_NAME = '551d11';
const OID_BASIC_CONSTRAINTS = '551d13';

/** YYMMDDHHMMSSZ (UTCTime covers the years up to 2049, which is all a few-day certificate needs). */
function utcTime(at: Date): Buffer {
  const iso = at.toISOString();
  return der(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, 'ascii'));
}

export interface SelfSignedCertificate {
  /** PKCS#8 PEM. */
  key: string;
  cert: string;
}

export function selfSignedCertificate(opts: { days?: number; now?: Date } = {}): SelfSignedCertificate {
  const now = opts.now ?? new Date();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(16);
  // A positive INTEGER in its shortest DER form: a first byte of 0x40–0x7f is never a sign bit
  // and never a leading zero (one serial in 256 used to start 0x00 and was refused as padding).
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const name = seq(der(0x31, seq(oid(OID_COMMON_NAME), der(0x0c, Buffer.from('localhost', 'utf8')))));
  const algorithm = seq(oid(OID_ECDSA_SHA256));
  const altNames = seq(der(0x82, Buffer.from('localhost', 'ascii')), der(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = der(
    0xa3,
    seq(
      seq(oid(OID_BASIC_CONSTRAINTS), der(0x01, Buffer.from([0xff])), der(0x04, seq(der(0x01, Buffer.from([0xff]))))),
      seq(oid(OID_SUBJECT_ALT_NAME), der(0x04, altNames)),
    ),
  );
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    algorithm,
    name,
    seq(utcTime(new Date(now.getTime() - 3_600_000)), utcTime(new Date(now.getTime() + (opts.days ?? 7) * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, { key: privateKey as KeyObject, dsaEncoding: 'der' });
  const cert = seq(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = cert.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    key: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`,
  };
}
