import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, OtpError, type ErrorCode } from '../errors/index.js';

/** The body of every v1 error: one envelope, one stable machine-readable code. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    request_id: string;
    details?: Record<string, unknown>;
    docs: string;
  };
}

export function envelopeFor(error: OtpError, requestId: string): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.details ? { details: error.details } : {}),
      docs: `https://github.com/otpgate/otpgate/blob/main/docs/errors.md#${error.code.toLowerCase()}`,
    },
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: OtpError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(ERROR_CATALOG[error.code].status).send(envelopeFor(error, request.id));
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: Array<{
    instancePath?: string;
    message?: string;
    keyword?: string;
    params?: Record<string, unknown>;
  }>;
  validationContext?: string;
}

/**
 * Turns whatever reached the error handler into an OtpError: our own errors pass through,
 * Fastify's request errors (schema, JSON, size, media type) become typed 4xx codes, and anything
 * else is an INTERNAL 500 whose details are logged, not returned.
 */
export function toOtpError(error: unknown): OtpError {
  if (error instanceof OtpError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (e.validation) {
    const first = e.validation[0];
    const extra =
      first?.keyword === 'additionalProperties' ? String(first.params?.additionalProperty ?? '') : undefined;
    const field = extra || (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || undefined;
    return new OtpError('VALIDATION_FAILED', {
      message: `${e.validationContext ?? 'body'}${field ? `.${field}` : ''} ${
        first?.keyword === 'additionalProperties'
          ? 'is not an allowed field'
          : (first?.message ?? 'is invalid')
      }`,
      details: {
        location: e.validationContext ?? 'body',
        ...(field ? { field } : {}),
        problems: e.validation.slice(0, 5).map((v) => `${v.instancePath || '/'} ${v.message ?? ''}`.trim()),
      },
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OtpError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OtpError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'INVALID_JSON':
      return new OtpError('INVALID_JSON');
  }
  if (error instanceof SyntaxError) return new OtpError('INVALID_JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new OtpError('PAYLOAD_TOO_LARGE');
    if (e.statusCode === 415) return new OtpError('UNSUPPORTED_MEDIA_TYPE');
    if (e.statusCode === 404) return new OtpError('NOT_FOUND');
    return new OtpError('VALIDATION_FAILED', { message: 'The request could not be read.' });
  }
  return new OtpError('INTERNAL', { cause: error });
}
