import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOG, OtpError } from '../errors/index.js';
import { envelopeFor } from './error-envelope.js';

/**
 * Answers a request Node's HTTP parser refused, with the typed envelope and `Connection: close`
 * (the connection cannot be reused: the parser lost its place in the stream). Written straight to
 * the socket because there is no request object, like Node's and Fastify's own handlers.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  requestId: string,
  log: (requestId: string, code: string | undefined) => void,
): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'VALIDATION_FAILED';
  const otpError =
    code === 'VALIDATION_FAILED'
      ? new OtpError(code, {
          message: 'The request is not valid HTTP.',
          ...(error.code ? { details: { reason: error.code } } : {}),
        })
      : new OtpError(code);
  log(requestId, error.code);
  // Write only while no response on this connection has started; otherwise the bytes would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const status = ERROR_CATALOG[code].status;
    const body = JSON.stringify(envelopeFor(otpError, requestId));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
