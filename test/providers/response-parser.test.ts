import { describe, expect, it } from 'vitest';
import {
  ResponseParser,
  type ParseStep,
  type ParsedResponse,
} from '../../src/providers/http/response-parser.js';

/** The incremental HTTP/1.1 response parser on exact bytes, whole and cut into pieces. */
const LIMIT = 1024;

/** Feeds `chunks` one by one; every step before the last must ask for more. */
function feed(parser: ResponseParser, ...chunks: string[]): ParseStep {
  let step: ParseStep = { kind: 'more' };
  chunks.forEach((chunk, index) => {
    step = parser.push(Buffer.from(chunk, 'latin1'));
    if (index < chunks.length - 1) expect(step).toEqual({ kind: 'more' });
  });
  return step;
}

/** The response of a step that must be `done`. */
function done(step: ParseStep): ParsedResponse {
  expect(step.kind).toBe('done');
  if (step.kind !== 'done') throw new Error(`expected a whole answer, got ${JSON.stringify(step)}`);
  return step.response;
}

describe('ResponseParser', () => {
  it('reads a Content-Length answer: status, lowercased header names, body, reusable', () => {
    const response = done(
      feed(
        new ResponseParser(LIMIT),
        'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
      ),
    );
    expect(response.status).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'text/plain', 'content-length': '5' });
    expect(response.body.toString()).toBe('hello');
    expect(response.reusable).toBe(true);
  });

  it('reads the same answer split byte by byte across pushes', () => {
    // A slow gateway or a small TCP window: every boundary (inside CRLFs too) must be handled.
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Id: abc\r\n\r\nhello world';
    const parser = new ResponseParser(LIMIT);
    const response = done(feed(parser, ...text.split('')));
    expect(response.status).toBe(200);
    expect(response.headers['x-id']).toBe('abc');
    expect(response.body.toString()).toBe('hello world');
    expect(response.reusable).toBe(true);
  });

  it('reads a chunked answer split byte by byte, chunk extension and trailer included', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n' +
      '6\r\n world\r\n' +
      '0\r\nX-Checksum: 1234\r\n\r\n';
    const response = done(feed(new ResponseParser(LIMIT), ...text.split('')));
    expect(response.body.toString()).toBe('hello world');
    // Trailer fields are not merged into the headers.
    expect(response.headers['x-checksum']).toBeUndefined();
    expect(response.reusable).toBe(true);
  });

  it('reads a chunked answer whose chunk sizes are hex, in one push', () => {
    const body = 'x'.repeat(26);
    const response = done(
      feed(
        new ResponseParser(LIMIT),
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n${body}\r\n0\r\n\r\n`,
      ),
    );
    expect(response.body.toString()).toBe(body);
  });

  it('lets Transfer-Encoding: chunked win over a Content-Length', () => {
    // RFC 9112 §6.3: a sender of both may be smuggling; the chunked framing is the one that counts.
    const response = done(
      feed(
        new ResponseParser(LIMIT),
        'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      ),
    );
    expect(response.body.toString()).toBe('ok');
  });

  it('reads a body without framing to the connection end, and never reuses that connection', () => {
    const parser = new ResponseParser(LIMIT);
    expect(feed(parser, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ', 'second')).toEqual({
      kind: 'more',
    });
    const response = done(parser.end());
    expect(response.body.toString()).toBe('first second');
    expect(response.reusable).toBe(false);
  });

  it('reads a Transfer-Encoding other than chunked to the connection end', () => {
    const parser = new ResponseParser(LIMIT);
    expect(feed(parser, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc')).toEqual({ kind: 'more' });
    expect(done(parser.end()).body.toString()).toBe('abc');
  });

  it('fails when the connection ends before a Content-Length body is complete', () => {
    const parser = new ResponseParser(LIMIT);
    expect(feed(parser, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')).toEqual({ kind: 'more' });
    expect(parser.end()).toMatchObject({ kind: 'error', reason: 'malformed' });
  });

  it('fails when the connection ends inside the head or inside a chunked body', () => {
    const inHead = new ResponseParser(LIMIT);
    expect(feed(inHead, 'HTTP/1.1 200 OK\r\nContent-Le')).toEqual({ kind: 'more' });
    expect(inHead.end()).toMatchObject({ kind: 'error', reason: 'malformed' });
    const inChunks = new ResponseParser(LIMIT);
    expect(feed(inChunks, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')).toEqual({
      kind: 'more',
    });
    expect(inChunks.end()).toMatchObject({ kind: 'error', reason: 'malformed' });
  });

  it('skips a 100 Continue (and other 1xx) before the real answer', () => {
    const response = done(
      feed(
        new ResponseParser(LIMIT),
        'HTTP/1.1 100 Continue\r\n\r\n',
        'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ),
    );
    expect(response.status).toBe(200);
    // The interim answers' headers are not the final answer's.
    expect(response.headers.link).toBeUndefined();
    expect(response.body.toString()).toBe('ok');
  });

  it('ends a 204 and a 304 at their head, whatever they say about a length', () => {
    for (const status of [204, 304]) {
      const response = done(
        feed(new ResponseParser(LIMIT), `HTTP/1.1 ${status} X\r\nContent-Length: 7\r\n\r\n`),
      );
      expect(response.status).toBe(status);
      expect(response.body.length).toBe(0);
      expect(response.reusable).toBe(true);
    }
  });

  it('ends an answer to HEAD (expectsBody false) at its head', () => {
    const response = done(
      feed(new ResponseParser(LIMIT, false), 'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n'),
    );
    expect(response.body.length).toBe(0);
  });

  it('ends a Content-Length: 0 answer at its head', () => {
    const response = done(feed(new ResponseParser(LIMIT), 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(response.body.length).toBe(0);
    expect(response.reusable).toBe(true);
  });

  it('refuses a Content-Length over the limit before any body byte arrives', () => {
    const step = feed(new ResponseParser(LIMIT), `HTTP/1.1 200 OK\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`);
    expect(step).toMatchObject({ kind: 'error', reason: 'too_large' });
  });

  it('accepts a body of exactly the limit', () => {
    const body = 'y'.repeat(LIMIT);
    const response = done(
      feed(new ResponseParser(LIMIT), `HTTP/1.1 200 OK\r\nContent-Length: ${LIMIT}\r\n\r\n`, body),
    );
    expect(response.body.length).toBe(LIMIT);
  });

  it('refuses a chunked body once its chunks grow past the limit', () => {
    // No length up front: only the running total can tell.
    const parser = new ResponseParser(LIMIT);
    const chunk = `200\r\n${'z'.repeat(0x200)}\r\n`;
    const steps = [
      parser.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')),
      parser.push(Buffer.from(chunk)),
      parser.push(Buffer.from(chunk)),
      parser.push(Buffer.from(chunk)),
    ];
    expect(steps.slice(0, 3)).toEqual([{ kind: 'more' }, { kind: 'more' }, { kind: 'more' }]);
    expect(steps[3]).toMatchObject({ kind: 'error', reason: 'too_large' });
  });

  it('refuses a close-delimited body once it grows past the limit', () => {
    const parser = new ResponseParser(LIMIT);
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toEqual({ kind: 'more' });
    expect(parser.push(Buffer.alloc(LIMIT, 'a'))).toEqual({ kind: 'more' });
    expect(parser.push(Buffer.from('a'))).toMatchObject({ kind: 'error', reason: 'too_large' });
  });

  it('refuses what is not an HTTP/1.x status line as malformed', () => {
    for (const line of ['HTTP/2 200 OK', 'HTTP/1.1 20 OK', 'SSH-2.0-OpenSSH_9.6', 'HTTP/1.1 abc OK']) {
      expect(feed(new ResponseParser(LIMIT), `${line}\r\nContent-Length: 0\r\n\r\n`)).toMatchObject({
        kind: 'error',
        reason: 'malformed',
      });
    }
  });

  it('refuses an invalid or repeated Content-Length as malformed', () => {
    for (const lengths of [['abc'], ['-1'], ['1e3'], ['5', '5']]) {
      const head = lengths.map((length) => `Content-Length: ${length}\r\n`).join('');
      expect(feed(new ResponseParser(LIMIT), `HTTP/1.1 200 OK\r\n${head}\r\nhello`)).toMatchObject({
        kind: 'error',
        reason: 'malformed',
      });
    }
  });

  it('refuses an invalid chunk size and a chunk not followed by CRLF as malformed', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(feed(new ResponseParser(LIMIT), `${head}zz\r\nhello\r\n0\r\n\r\n`)).toMatchObject({
      kind: 'error',
      reason: 'malformed',
    });
    expect(feed(new ResponseParser(LIMIT), `${head}2\r\nhello\r\n0\r\n\r\n`)).toMatchObject({
      kind: 'error',
      reason: 'malformed',
    });
  });

  it('refuses a header line without a name as malformed', () => {
    expect(
      feed(new ResponseParser(LIMIT), 'HTTP/1.1 200 OK\r\n: no-name\r\nContent-Length: 0\r\n\r\n'),
    ).toMatchObject({ kind: 'error', reason: 'malformed' });
  });

  it('refuses a head that never ends instead of buffering it forever', () => {
    const parser = new ResponseParser(LIMIT);
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\n'))).toEqual({ kind: 'more' });
    expect(parser.push(Buffer.from(`X-Long: ${'h'.repeat(65 * 1024)}`))).toMatchObject({
      kind: 'error',
      reason: 'malformed',
    });
  });

  it('gathers a repeated header into an array, in order', () => {
    const response = done(
      feed(
        new ResponseParser(LIMIT),
        'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it('marks the connection not reusable for Connection: close', () => {
    const response = done(
      feed(new ResponseParser(LIMIT), 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    expect(response.body.toString()).toBe('ok');
    expect(response.reusable).toBe(false);
  });

  it('marks HTTP/1.0 reusable only with Connection: keep-alive', () => {
    const plain = done(feed(new ResponseParser(LIMIT), 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    expect(plain.reusable).toBe(false);
    const kept = done(
      feed(
        new ResponseParser(LIMIT),
        'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
      ),
    );
    expect(kept.reusable).toBe(true);
  });

  it('marks the connection not reusable when bytes follow the answer', () => {
    // Bytes nobody asked for: the next answer on this connection could not be told apart from them.
    const response = done(
      feed(new ResponseParser(LIMIT), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'),
    );
    expect(response.body.toString()).toBe('ok');
    expect(response.reusable).toBe(false);
  });
});
