/**
 * An incremental HTTP/1.1 response parser for the provider client: feed it the socket's chunks as
 * they arrive and it reports one whole response (status, headers, body) or why the bytes are not
 * one. Bodies framed by Content-Length, by chunked transfer coding, or by the connection's end
 * (`end()`), as RFC 9112 §6.3 orders them. Interim 1xx answers are skipped.
 */

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface ParsedResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
  /** The connection may carry another request (HTTP/1.1 without `Connection: close`, body framed). */
  reusable: boolean;
}

export type ParseStep =
  | { kind: 'more' }
  | { kind: 'done'; response: ParsedResponse }
  | { kind: 'error'; reason: 'malformed' | 'too_large'; message: string };

/** Status line plus headers larger than this are not an answer a gateway gives to an SMS request. */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;
const MORE: ParseStep = { kind: 'more' };

type Framing = 'length' | 'chunked' | 'close' | 'none';

export class ResponseParser {
  /** Bytes received and not yet consumed. */
  private pending: Buffer = Buffer.alloc(0);
  private stage: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' = 'head';
  private status = 0;
  private headers: ResponseHeaders = {};
  private framing: Framing = 'none';
  private keepAlive = true;
  /** Body bytes still expected: of the whole body (length) or of the current chunk (chunked). */
  private remaining = 0;
  private readonly bodyParts: Buffer[] = [];
  private bodyBytes = 0;

  /**
   * @param maxBodyBytes a longer body is refused (`too_large`) instead of buffered
   * @param expectsBody false for an answer to HEAD, which has headers but never a body
   */
  constructor(
    private readonly maxBodyBytes: number,
    private readonly expectsBody = true,
  ) {}

  /** Consumes `chunk`; `done` as soon as the response is whole (bytes after it are an error). */
  push(chunk: Buffer): ParseStep {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const step = this.advance();
      if (step !== undefined) return step;
    }
  }

  /** The connection ended: completes a body framed by the close, anything else was cut short. */
  end(): Exclude<ParseStep, { kind: 'more' }> {
    if (this.stage === 'body' && this.framing === 'close') return this.finish();
    return malformed('connection closed before the answer was complete');
  }

  /** One parsing step; undefined when it consumed something and the loop should go on. */
  private advance(): ParseStep | undefined {
    switch (this.stage) {
      case 'head':
        return this.readHead();
      case 'body':
        return this.readBody();
      case 'chunk-size':
        return this.readChunkSize();
      case 'chunk-data':
        return this.readChunkData();
      case 'chunk-end':
        return this.readLineEnd();
      case 'trailers':
        return this.readTrailers();
    }
  }

  private readHead(): ParseStep | undefined {
    const end = this.pending.indexOf(HEAD_END);
    if (end < 0) return this.pending.length > MAX_HEAD_BYTES ? malformed('answer head too large') : MORE;
    if (end > MAX_HEAD_BYTES) return malformed('answer head too large');
    const lines = this.pending.toString('latin1', 0, end).split('\r\n');
    this.pending = this.pending.subarray(end + HEAD_END.length);
    const statusLine = STATUS_LINE.exec(lines[0]!);
    if (!statusLine) return malformed('not an HTTP/1.x status line');
    const status = Number(statusLine[2]);
    const headers: ResponseHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return malformed('header line without a name');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      headers[name] =
        previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    // 1xx answers are interim (100 Continue, 103 Early Hints): the real one follows.
    if (status < 200) return undefined;
    this.status = status;
    this.headers = headers;
    const connection = String(headers.connection ?? '').toLowerCase();
    this.keepAlive =
      statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    return this.startBody();
  }

  private startBody(): ParseStep | undefined {
    const { headers, status } = this;
    if (!this.expectsBody || status === 204 || status === 304) {
      this.framing = 'none';
      return this.finish();
    }
    const coding = headers['transfer-encoding'];
    if (coding !== undefined) {
      // Chunked must be the final coding; anything else can only be read to the connection's end.
      if (!String(coding).toLowerCase().trim().endsWith('chunked')) {
        this.framing = 'close';
        this.stage = 'body';
        return undefined;
      }
      this.framing = 'chunked';
      this.stage = 'chunk-size';
      return undefined;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      if (Array.isArray(length) || !/^\d{1,15}$/.test(length)) return malformed('invalid Content-Length');
      this.remaining = Number(length);
      if (this.remaining > this.maxBodyBytes) return tooLarge(this.maxBodyBytes);
      this.framing = 'length';
      this.stage = 'body';
      return this.remaining === 0 ? this.finish() : undefined;
    }
    this.framing = 'close';
    this.stage = 'body';
    return undefined;
  }

  private readBody(): ParseStep | undefined {
    if (this.pending.length === 0) return MORE;
    if (this.framing === 'close') {
      const step = this.take(this.pending.length);
      return step ?? MORE;
    }
    const count = Math.min(this.remaining, this.pending.length);
    const step = this.take(count);
    if (step) return step;
    this.remaining -= count;
    return this.remaining > 0 ? MORE : this.finish();
  }

  private readChunkSize(): ParseStep | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end < 0) return this.pending.length > 1024 ? malformed('chunk size line too long') : MORE;
    // Chunk extensions (";name=value") carry nothing we use.
    const sizeText = this.pending.toString('latin1', 0, end).split(';', 1)[0]!.trim();
    this.pending = this.pending.subarray(end + CRLF.length);
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) return malformed('invalid chunk size');
    this.remaining = Number.parseInt(sizeText, 16);
    this.stage = this.remaining === 0 ? 'trailers' : 'chunk-data';
    return undefined;
  }

  private readChunkData(): ParseStep | undefined {
    if (this.pending.length === 0) return MORE;
    const count = Math.min(this.remaining, this.pending.length);
    const step = this.take(count);
    if (step) return step;
    this.remaining -= count;
    if (this.remaining === 0) this.stage = 'chunk-end';
    return this.remaining === 0 ? undefined : MORE;
  }

  private readLineEnd(): ParseStep | undefined {
    if (this.pending.length < CRLF.length) return MORE;
    if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) return malformed('chunk without CRLF');
    this.pending = this.pending.subarray(CRLF.length);
    this.stage = 'chunk-size';
    return undefined;
  }

  private readTrailers(): ParseStep | undefined {
    const end = this.pending.indexOf(CRLF);
    if (end < 0) return this.pending.length > MAX_HEAD_BYTES ? malformed('trailers too large') : MORE;
    this.pending = this.pending.subarray(end + CRLF.length);
    // An empty line ends the trailer section (and the message); trailer fields are ignored.
    return end > 0 ? undefined : this.finish();
  }

  /** Moves `count` pending bytes to the body; a step when that breaks the size limit. */
  private take(count: number): ParseStep | undefined {
    this.bodyBytes += count;
    if (this.bodyBytes > this.maxBodyBytes) return tooLarge(this.maxBodyBytes);
    this.bodyParts.push(this.pending.subarray(0, count));
    this.pending = this.pending.subarray(count);
    return undefined;
  }

  private finish(): Extract<ParseStep, { kind: 'done' }> {
    const body =
      this.bodyParts.length === 1 ? this.bodyParts[0]! : Buffer.concat(this.bodyParts, this.bodyBytes);
    return {
      kind: 'done',
      response: {
        status: this.status,
        headers: this.headers,
        body,
        // Bytes after the answer belong to no request of ours: that connection is not trusted again.
        reusable: this.keepAlive && this.framing !== 'close' && this.pending.length === 0,
      },
    };
  }
}

function malformed(message: string): Extract<ParseStep, { kind: 'error' }> {
  return { kind: 'error', reason: 'malformed', message };
}

function tooLarge(maxBodyBytes: number): ParseStep {
  return { kind: 'error', reason: 'too_large', message: `provider answer larger than ${maxBodyBytes} bytes` };
}
