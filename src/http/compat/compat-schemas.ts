import { Nullable } from '../nullable.js';
import { Type } from 'typebox';

/**
 * OpenAPI documentation of the reference-compatible endpoints. Bodies are validated by hand
 * (compat-validation.ts) so errors keep the reference server's pydantic shape; these schemas
 * describe, they do not validate (no `body` key on purpose).
 */
const Detail = Type.Object({ detail: Type.Unknown() });
/** Only when API_AUTH_TOKEN / OTPGATE_API_TOKEN is set: `{"detail": "Unauthorized."}`. */
const Unauthorized = Type.Object(
  { detail: Type.Unknown() },
  { description: 'Unauthorized (only when an API token is configured)' },
);

export const COMPAT_SCHEMAS = {
  send: {
    tags: ['reference-compatible'],
    summary: 'Send a code (reference FastAPI server contract)',
    description:
      'Request: {"phone_number": "31651860670", "purpose": "login", "route_id": 3}. Same fields, types and errors as the reference server.',
    response: {
      200: Type.Object({
        status: Type.Literal('otp_sent'),
        phone_number: Type.String(),
        purpose: Type.String(),
        route_id: Type.Integer(),
        expires_in_seconds: Type.Integer(),
        cooldown_seconds: Type.Integer(),
        debug_code: Nullable('string'),
        bx_message_id: Nullable('string'),
        order_id: Nullable('string'),
        delivery_status_url: Nullable('string'),
      }),
      400: Type.Object(
        { detail: Type.Unknown() },
        { description: 'A body FastAPI cannot parse (not UTF-8, nested deeper than Python decodes)' },
      ),
      401: Unauthorized,
      422: Detail,
      429: Detail,
      502: Detail,
    },
  },
  verify: {
    tags: ['reference-compatible'],
    summary: 'Verify a code (reference FastAPI server contract)',
    description: 'Request: {"phone_number": "31651860670", "code": "816369", "purpose": "login"}.',
    response: {
      200: Type.Object({
        status: Type.Literal('otp_verified'),
        phone_number: Type.String(),
        purpose: Type.String(),
        verified: Type.Boolean(),
      }),
      400: Detail,
      401: Unauthorized,
      404: Detail,
      422: Detail,
      429: Detail,
    },
  },
  config: {
    tags: ['reference-compatible'],
    summary: 'Code settings (reference FastAPI server contract)',
    response: {
      200: Type.Object({
        otp_length: Type.Integer(),
        otp_ttl_seconds: Type.Integer(),
        otp_send_cooldown_seconds: Type.Integer(),
        otp_max_attempts: Type.Integer(),
        default_route_id: Type.Integer(),
        default_caller_id: Nullable('string'),
        debug_otp: Type.Boolean(),
      }),
      401: Unauthorized,
    },
  },
  health: {
    tags: ['reference-compatible'],
    summary: 'Health (reference FastAPI server contract)',
    response: {
      200: Type.Object({
        status: Type.String(),
        service: Type.String(),
        version: Type.String(),
        active_otps: Type.Integer(),
      }),
    },
  },
};
