import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, httpRequest } from '../../src/providers/http-client.js';
import { HttpPool } from '../../src/providers/http/http-pool.js';

/**
 * The provider client over TLS, against a real HTTPS server on loopback whose certificate (for
 * IP 127.0.0.1) is made by openssl for this run: real gateways are all https.
 */
let server: Server;
let base: string;
let cert: string;
let tlsConnections = 0;
const dir = mkdtempSync(join(tmpdir(), 'otpgate-tls-'));
const never = new AbortController().signal;

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=otpgate test gateway',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url, secure: true }));
  });
  server.on('secureConnection', () => (tlsConnections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('httpRequest over https', () => {
  it('speaks TLS to the gateway and keeps the connection for the next request', async () => {
    const pool = new HttpPool({ maxResponseBytes: MAX_RESPONSE_BYTES, ca: cert });
    try {
      const before = tlsConnections;
      for (const path of ['/one', '/two']) {
        const outcome = await httpRequest({ url: `${base}${path}`, method: 'GET', signal: never }, pool);
        expect(outcome.ok && JSON.parse(outcome.response.text)).toEqual({ path, secure: true });
      }
      expect(tlsConnections - before).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('refuses a gateway whose certificate it cannot verify, as a network failure', async () => {
    // Without the test CA the self-signed certificate is not trusted: nothing is sent in clear.
    const pool = new HttpPool({ maxResponseBytes: MAX_RESPONSE_BYTES });
    try {
      const outcome = await httpRequest({ url: `${base}/one`, method: 'GET', signal: never }, pool);
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network' } });
    } finally {
      pool.close();
    }
  });
});
