import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { maskDestination, type Attempt } from '../../core/index.js';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import { isOrderTrackingId } from '../../providers/bridgexapi/index.js';
import { parseSend, parseVerify } from './compat-validation.js';
import { compatErrorBody } from './compat-errors.js';
import { COMPAT_SCHEMAS } from './compat-schemas.js';
import { nestsTooDeepForPython } from './python-json.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived (X-Process-Time-Ms; see registerProcessTimer). */
    receivedAtMs: number;
  }
}

/**
 * Notes when each request arrives, for the reference's X-Process-Time-Ms. Fastify's own
 * reply.elapsedTime stays 0 unless it logs requests, so the start is taken here, on the root
 * instance: the 404 and 405 answers of the reference paths carry the header too.
 */
export function registerProcessTimer(fastify: FastifyInstance): void {
  fastify.decorateRequest('receivedAtMs', 0);
  fastify.addHook('onRequest', (request, _reply, done) => {
    request.receivedAtMs = performance.now();
    done();
  });
}

/** Milliseconds since the request arrived, with two decimals, as the reference formats them. */
export function processTimeMs(request: FastifyRequest): string {
  return (performance.now() - request.receivedAtMs).toFixed(2);
}

export const COMPAT_PATHS = new Set(['/send-otp', '/verify-otp', '/health', '/config']);

/**
 * The reference FastAPI server's contract, field for field (research §1): POST /send-otp,
 * POST /verify-otp, GET /health, `{"detail": …}` errors. Its flaws are fixed, not copied: the
 * cooldown is reserved atomically before the provider call, 429s carry Retry-After, 502s never
 * echo raw exception text, and delivery_status_url points at otpgate, which needs no provider key.
 */
export function compatRoutes(app: App, version: string): FastifyPluginAsync {
  const { service, config } = app;
  return async (fastify) => {
    // The reference's timing middleware: every answer of these paths says how long it took.
    // A callback hook, not an async one: no promise and no extra microtask turn per answer.
    fastify.addHook('onSend', (request, reply, payload, done) => {
      reply.header('x-process-time-ms', processTimeMs(request));
      done(null, payload);
    });

    fastify.post('/send-otp', { schema: COMPAT_SCHEMAS.send }, async (request, reply) => {
      if (beyondPythonDepth(request)) return reply.code(400).send({ detail: BODY_PARSE_ERROR });
      const parsed = parseSend(request.body, config.defaultRouteId);
      if (!parsed.ok) return reply.code(422).send({ detail: parsed.errors });
      const { phoneNumber, purpose, routeId } = parsed.value;
      try {
        const outcome = await service.start({ to: phoneNumber, purpose, routeId, channel: 'sms' });
        const accepted = outcome.attempts.find((a) => a.providerMessageId !== undefined);
        return {
          status: 'otp_sent',
          phone_number: maskDestination(phoneNumber),
          purpose,
          route_id: routeId,
          expires_in_seconds: config.policy.ttlSeconds,
          cooldown_seconds: config.policy.resendCooldownSeconds,
          debug_code: outcome.debugCode ?? null,
          bx_message_id: accepted ? bxMessageId(app, accepted) : null,
          order_id: accepted?.providerOrderId ?? null,
          delivery_status_url: accepted ? `${app.publicUrl()}/v1/messages/${accepted.id}` : null,
        };
      } catch (error) {
        return sendCompatError(reply, error, 'send', phoneInputOf(request.body));
      }
    });

    fastify.post('/verify-otp', { schema: COMPAT_SCHEMAS.verify }, async (request, reply) => {
      if (beyondPythonDepth(request)) return reply.code(400).send({ detail: BODY_PARSE_ERROR });
      const parsed = parseVerify(request.body);
      if (!parsed.ok) return reply.code(422).send({ detail: parsed.errors });
      const { phoneNumber, code, purpose } = parsed.value;
      const masked = maskDestination(phoneNumber);
      try {
        const outcome = await service.check({ to: phoneNumber, purpose, code });
        switch (outcome.kind) {
          case 'approved':
            return { status: 'otp_verified', phone_number: masked, purpose, verified: true };
          case 'wrong':
            return reply
              .code(400)
              .send({ detail: `Invalid OTP. Attempts left: ${outcome.attemptsRemaining}` });
          case 'not_pending':
            // A lock-out answers 429 for as long as the code would have lived; after that the
            // number simply has no code (404), as with the reference once its record is gone.
            if (
              outcome.status === 'max_attempts_reached' &&
              app.clock.nowMs() < outcome.verification.expiresAtMs
            ) {
              return reply.code(429).send({ detail: 'OTP attempts exceeded.' });
            }
            return reply.code(404).send({ detail: 'No active OTP found for this phone number and purpose.' });
          case 'not_found':
            return reply.code(404).send({ detail: 'No active OTP found for this phone number and purpose.' });
        }
      } catch (error) {
        if (error instanceof OtpError && error.code === 'INVALID_PHONE_NUMBER') {
          return reply.code(404).send({ detail: 'No active OTP found for this phone number and purpose.' });
        }
        return sendCompatError(reply, error, 'verify', phoneInputOf(request.body));
      }
    });

    // The reference's settings view (behind the token when one is set, like its own).
    fastify.get('/config', { schema: COMPAT_SCHEMAS.config }, async () => ({
      otp_length: config.policy.codeLength,
      otp_ttl_seconds: config.policy.ttlSeconds,
      otp_send_cooldown_seconds: config.policy.resendCooldownSeconds,
      otp_max_attempts: config.policy.maxChecks,
      default_route_id: config.defaultRouteId,
      default_caller_id: app.routing.route(config.defaultRouteId)?.sender ?? null,
      debug_otp: config.debugCodes,
    }));

    fastify.get('/health', { schema: COMPAT_SCHEMAS.health }, async () => ({
      status: 'ok',
      service: 'otpgate',
      version,
      active_otps: app.activeCount(),
    }));
  };
}

/** FastAPI's answer for a body its JSON decoder raised on with anything but a decode error. */
export const BODY_PARSE_ERROR = 'There was an error parsing the body';

/**
 * A JSON body nested deeper than Python decodes: the reference answers it as a body it could not
 * parse (and echoing it in a 422 would overflow the stack while serialising it).
 */
function beyondPythonDepth(request: FastifyRequest): boolean {
  const parsedJson = typeof request.body === 'object' && request.body !== null;
  return parsedJson && request.rawBody !== undefined && nestsTooDeepForPython(request.rawBody);
}

/**
 * The id the reference server would answer as bx_message_id. A BridgeXAPI message accepted
 * without one is tracked under otpgate's synthetic `order:…` id; the reference would echo
 * BridgeXAPI's null there, so we do too (order_id and delivery_status_url stay filled).
 */
function bxMessageId(app: App, attempt: Attempt): string | null {
  const id = attempt.providerMessageId;
  if (id === undefined) return null;
  const synthetic = app.routing.provider(attempt.provider)?.type === 'bridgexapi' && isOrderTrackingId(id);
  return synthetic ? null : id;
}

function sendCompatError(
  reply: FastifyReply,
  error: unknown,
  action: 'send' | 'verify',
  phoneInput: unknown,
): FastifyReply {
  if (!(error instanceof OtpError)) throw error;
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  const { status, body } = compatErrorBody(error, action, phoneInput);
  return reply.code(status).send(body);
}

/** The raw phone_number of a request body that already passed parseSend/parseVerify. */
function phoneInputOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'phone_number' in body ? body.phone_number : null;
}
