import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OtpError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact request body as received (webhook signatures are computed over it). */
    rawBody?: string;
  }
}

type Done = (err: Error | null, value?: unknown) => void;

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json/;

function asText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** Refuses bytes that are not UTF-8 instead of reading them as U+FFFD (which would change the data). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Marks the INVALID_JSON of a body that is not UTF-8 at all (the reference answers it differently). */
export const NOT_UTF8 = 'not_utf8';

const BLANK = /^\s*$/;

function parseJson(text: string, done: Done): void {
  let value: unknown;
  try {
    // A leading byte-order mark is allowed (RFC 8259 §8.1), as Python's json.loads of bytes allows it.
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // Only a body that failed to parse is looked at again: the common case pays for one parse.
    const empty = BLANK.test(text);
    return done(new OtpError('INVALID_JSON', empty ? { message: 'The request body is empty.' } : {}));
  }
  done(null, value);
}

/**
 * The server-wide body parser: JSON only, read as a string first so the raw bytes stay available
 * for signature checks; parse failures become typed INVALID_JSON errors instead of generic 400s.
 * Anything else (form bodies and text/plain included) is a 415, because a form post is a CORS
 * "simple request" that any web page can make. Scopes that need more add it themselves
 * (Fastify encapsulation keeps it there): the webhook routes take forms, the reference routes
 * answer non-JSON bodies the way FastAPI does.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // Declared up front so every request object has the same shape (V8 keeps property access fast).
  app.decorateRequest('rawBody', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    JSON_MEDIA_TYPE,
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: string | Buffer, done: Done) => {
      let text: string;
      try {
        text = typeof body === 'string' ? body : strictUtf8.decode(body);
      } catch {
        return done(
          new OtpError('INVALID_JSON', {
            message: 'The request body is not valid UTF-8.',
            details: { reason: NOT_UTF8 },
          }),
        );
      }
      request.rawBody = text;
      parseJson(text, done);
    },
  );
}

/**
 * application/x-www-form-urlencoded, for provider webhooks only (Twilio posts its receipts as
 * forms). Register it inside the webhook plugin, never on the root instance.
 */
export function registerFormBodyParser(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: Done) => {
      const text = asText(body);
      request.rawBody = text;
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );
}

/**
 * The reference FastAPI server's body handling for its JSON-model endpoints, as current FastAPI
 * does it: a body that is not declared JSON (no Content-Type, a form, text/plain) is handed to
 * validation as the raw text, which then fails with pydantic's 422 `model_attributes_type` (the
 * route's own validation builds it). Reading an undeclared body as JSON would let any web page
 * trigger sends: a browser posts a Blob with no Content-Type and no CORS preflight. An empty body
 * is no body. Register it inside the plugin of the reference routes only.
 */
export function registerReferenceBodyParsers(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    '*',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: Done) => {
      const text = asText(body);
      request.rawBody = text;
      done(null, text === '' ? undefined : text);
    },
  );
}
