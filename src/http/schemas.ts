import { Nullable } from './nullable.js';
import { Type, type Static } from 'typebox';
import { CHANNELS, VERIFICATION_STATUSES } from '../core/verification.js';
import { DELIVERY_STATUSES } from '../core/delivery-status.js';

/** Request and response schemas of the v1 API: one source for validation, types and OpenAPI. */

const Channel = Type.Enum(CHANNELS, { description: 'Delivery channel' });
const Purpose = Type.String({
  minLength: 1,
  maxLength: 50,
  description: 'What the code is for (login, signup, …)',
});
const Code = Type.String({
  pattern: '^[0-9]{4,10}$',
  description: 'The code the user received (digits only)',
});
const Destination = Type.String({
  minLength: 3,
  maxLength: 254,
  description: 'E.164 phone number (spaces, 00 prefix and digits-only forms are accepted) or e-mail address',
});
const Locale = Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', maxLength: 35 });
const RouteId = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Pin the route to send over' });

export const StartBody = Type.Object(
  {
    to: Destination,
    channel: Type.Optional(Channel),
    purpose: Type.Optional(Purpose),
    route_id: Type.Optional(RouteId),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type StartBody = Static<typeof StartBody>;

/** What `POST /v1/estimate` prices: the fields of a send (with the same rules), plus a text. */
export const EstimateBody = Type.Object(
  {
    to: Destination,
    route_id: Type.Optional(RouteId),
    channel: Type.Optional(Channel),
    purpose: Type.Optional(Purpose),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 1600 })),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

export const CheckBody = Type.Union([
  Type.Object(
    { id: Type.String({ minLength: 1, maxLength: 64 }), code: Code },
    { additionalProperties: false },
  ),
  Type.Object(
    { to: Destination, purpose: Type.Optional(Purpose), code: Code },
    { additionalProperties: false },
  ),
]);
export type CheckBody = Static<typeof CheckBody>;

export const ResendBody = Type.Union([
  Type.Object(
    { route_id: Type.Optional(RouteId), locale: Type.Optional(Locale) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const AttemptView = Type.Object({
  id: Type.String({ description: 'otpgate message id' }),
  step: Type.Integer(),
  route_id: Type.Integer(),
  provider: Type.String(),
  channel: Channel,
  provider_message_id: Nullable('string'),
  status: Type.Enum(DELIVERY_STATUSES),
  price_micros: Nullable('integer'),
  currency: Nullable('string'),
  error_code: Nullable('string'),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  delivered_at: Nullable('string', { format: 'date-time' }),
});

export const VerificationView = Type.Object({
  id: Type.String(),
  status: Type.Enum(VERIFICATION_STATUSES),
  to: Type.String({ description: 'Masked destination' }),
  channel: Channel,
  purpose: Type.String(),
  route_id: Nullable('integer', { description: 'Route of the current chain step' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  resend_after: Type.String({ format: 'date-time' }),
  attempts_remaining: Type.Integer(),
  sends_remaining: Type.Integer(),
  // type [object, null] rather than anyOf, so the serializer does not try each branch per response.
  attempt: Type.Unsafe<Static<typeof AttemptView> | null>({
    ...AttemptView,
    type: ['object', 'null'],
    description: 'The latest send attempt',
  }),
  attempts: Type.Array(AttemptView),
  debug_code: Type.Optional(Type.String({ description: 'Development mode only' })),
});

export const CheckView = Type.Object({
  id: Nullable('string', { description: 'null for a failed check by destination' }),
  status: Type.Enum(VERIFICATION_STATUSES),
  valid: Type.Boolean(),
  attempts_remaining: Nullable('integer', {
    description: 'null for a failed check by destination',
  }),
});

const ErrorBody = Type.Object({
  code: Type.String({ description: 'Stable code from the error catalog (docs/errors.md)' }),
  message: Type.String(),
  request_id: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  docs: Type.String(),
});

/** The shared error envelope of every v1 error. */
export const ErrorView = Type.Object({ error: ErrorBody });

/** The error envelope as one documented response; OpenAPI shows `description` for that status. */
export function ErrorResponse(description: string) {
  return Type.Object({ error: ErrorBody }, { description });
}

/**
 * Error responses shared by the v1 operations. 401 is listed on every operation behind the
 * optional API token; it only happens when a token is configured.
 */
export const ERROR_RESPONSES = {
  400: ErrorResponse('VALIDATION_FAILED, INVALID_JSON, INVALID_PHONE_NUMBER or INVALID_EMAIL'),
  401: ErrorResponse(
    'UNAUTHENTICATED: only when the server runs with an API token (OTPGATE_API_TOKEN / API_AUTH_TOKEN) and the request has no valid `Authorization: Bearer <token>`',
  ),
  402: ErrorResponse('INSUFFICIENT_BALANCE'),
  404: ErrorResponse(
    'The resource does not exist (VERIFICATION_NOT_FOUND, MESSAGE_NOT_FOUND, ROUTE_NOT_FOUND)',
  ),
  409: ErrorResponse('VERIFICATION_NOT_PENDING'),
  410: ErrorResponse('VERIFICATION_EXPIRED'),
  413: ErrorResponse('PAYLOAD_TOO_LARGE'),
  415: ErrorResponse('UNSUPPORTED_MEDIA_TYPE: the body must be application/json'),
  422: ErrorResponse('INVALID_CODE, NO_ROUTE or SEND_REJECTED'),
  429: ErrorResponse('MAX_ATTEMPTS_REACHED, MAX_SENDS_REACHED, RESEND_TOO_SOON or RATE_LIMITED'),
  502: ErrorResponse('ALL_ROUTES_FAILED'),
  503: ErrorResponse('ROUTES_UNAVAILABLE'),
};

/** Delivery statistics of one route over the statistics window (snake_case like the rest of the API). */
export const RouteHealthView = Type.Object({
  sent: Type.Integer({ description: 'Attempts created in the window' }),
  delivered: Type.Integer(),
  failed: Type.Integer({ description: 'Undelivered, failed or rejected' }),
  delivery_rate: Nullable('number', {
    description: 'delivered / (delivered + failed); null until enough attempts reached a final state',
  }),
  median_time_to_deliver_ms: Nullable('integer', {
    description: 'Median time from send to the delivered receipt; null when nothing was delivered',
  }),
});

export const RoutesView = Type.Object({
  routes: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      provider: Type.String({ description: 'Provider instance name' }),
      provider_type: Nullable('string'),
      channel: Channel,
      sender: Nullable('string'),
      traffic_class: Type.String(),
      enabled: Type.Boolean(),
      currency: Type.String(),
      timeout_seconds: Type.Number(),
      rates: Type.Array(Type.Object({ prefix: Type.String(), price_micros: Type.Integer() })),
      breaker: Type.Object({
        state: Type.String({ description: 'closed, open or half_open' }),
        calls: Type.Integer(),
        failures: Type.Integer(),
        retry_at: Nullable('string', { format: 'date-time' }),
      }),
      health: RouteHealthView,
    }),
  ),
});

const EstimatePrice = {
  segments: Type.Integer({ description: 'SMS segments (1 for other channels)' }),
  encoding: Type.String({ description: 'GSM-7 or UCS-2' }),
  unit_price_micros: Type.Integer(),
  total_price_micros: Type.Integer(),
  currency: Type.String(),
  price_source: Type.String({ description: "'provider' (the provider's own quote) or 'rate_card'" }),
};

// additionalProperties: the estimate is built by the service; a field added there is passed
// through rather than silently dropped by the serializer.
export const EstimateView = Type.Object(
  {
    to: Type.String({ description: 'Masked destination' }),
    country: Nullable('string'),
    route_id: Type.Integer({ description: 'The primary route' }),
    ...EstimatePrice,
    balance_micros: Nullable('integer', { description: "The primary provider's balance, where reported" }),
    sufficient_balance: Nullable('boolean'),
    routes: Type.Array(
      Type.Object(
        {
          step: Type.Integer(),
          route_id: Type.Integer(),
          route_name: Type.String(),
          provider: Type.String(),
          channel: Channel,
          timeout_seconds: Type.Number(),
          characters: Type.Integer(),
          ...EstimatePrice,
          balance_micros: Type.Optional(Nullable('integer')),
          sufficient_balance: Type.Optional(Nullable('boolean')),
        },
        { additionalProperties: true },
      ),
      { description: 'The chain a send would walk, primary first' },
    ),
  },
  { additionalProperties: true },
);

export const MessageView = Type.Object({
  ...AttemptView.properties,
  verification_id: Type.String(),
});

/** Some of the shared error responses: `pick(ERROR_RESPONSES, [400, 404])`. */
export function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = from[key];
  return out;
}
