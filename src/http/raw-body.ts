import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OtpError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact request body as received (webhook signatures are computed over it). */
    rawBody?: string;
  }
}

/**
 * JSON and form bodies are read as strings first so the raw bytes stay available for signature
 * checks; parse failures become typed INVALID_JSON errors instead of generic 400s.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // Only JSON and form bodies are accepted; anything else (text/plain included) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json/,
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      request.rawBody = text;
      if (text.trim() === '')
        return done(new OtpError('INVALID_JSON', { message: 'The request body is empty.' }));
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new OtpError('INVALID_JSON'));
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      request.rawBody = text;
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );
}
