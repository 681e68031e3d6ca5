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

export const ErrorView = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    request_id: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    docs: Type.String(),
  }),
});
