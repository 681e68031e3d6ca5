import type { FastifyPluginAsync } from 'fastify';
import { Value } from 'typebox/value';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { OtpError } from '../../errors/index.js';
import type { App } from '../../app.js';
import {
  CheckBody,
  CheckView,
  ERROR_RESPONSES,
  IdParams,
  ResendBody,
  StartBody,
  VerificationView,
  pick,
} from '../schemas.js';
import { verificationView } from '../views.js';

const errors = pick(ERROR_RESPONSES, [400, 401, 404, 409, 410, 413, 415, 422, 429]);
const sendErrors = pick(ERROR_RESPONSES, [402, 502, 503]);

/** The v1 verification API: start, check, read, cancel, resend. */
export function verificationRoutes(app: App): FastifyPluginAsync {
  const { service } = app;
  return async (fastify) => {
    const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

    f.post(
      '/v1/verifications',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Send a code',
          body: StartBody,
          response: { 201: VerificationView, ...errors, ...sendErrors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const outcome = await service.start({
          to: body.to,
          ...(body.channel !== undefined ? { channel: body.channel } : {}),
          ...(body.purpose !== undefined ? { purpose: body.purpose } : {}),
          ...(body.route_id !== undefined ? { routeId: body.route_id } : {}),
          ...(body.locale !== undefined ? { locale: body.locale } : {}),
        });
        return reply
          .code(201)
          .send(
            verificationView(service, outcome.verification, 'pending', outcome.attempts, outcome.debugCode),
          );
      },
    );

    f.post(
      '/v1/verifications/check',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Check a code',
          body: CheckBody,
          response: { 200: CheckView, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const byId = 'id' in body;
        const outcome = await service.check(
          byId
            ? { id: body.id, code: body.code }
            : { to: body.to, code: body.code, purpose: body.purpose ?? 'login' },
        );
        if (outcome.kind === 'approved') {
          return {
            id: outcome.verification.id,
            status: 'approved' as const,
            valid: true,
            attempts_remaining: service.attemptsRemaining(outcome.verification),
          };
        }
        // Checked by destination, every failure reads the same (wrong code, unknown number, expired,
        // used, locked), so nobody learns which numbers have codes or how many tries are left.
        if (!byId) return { id: null, status: 'pending' as const, valid: false, attempts_remaining: null };
        switch (outcome.kind) {
          case 'not_found':
            throw new OtpError('VERIFICATION_NOT_FOUND');
          case 'wrong':
            return {
              id: outcome.verification.id,
              status: outcome.verification.status,
              valid: false,
              attempts_remaining: outcome.attemptsRemaining,
            };
          case 'not_pending':
            if (outcome.status === 'expired') throw new OtpError('VERIFICATION_EXPIRED');
            if (outcome.status === 'max_attempts_reached') throw new OtpError('MAX_ATTEMPTS_REACHED');
            throw new OtpError('VERIFICATION_NOT_PENDING', { details: { status: outcome.status } });
        }
      },
    );

    f.get(
      '/v1/verifications/:id',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Read a verification',
          params: IdParams,
          response: { 200: VerificationView, ...pick(ERROR_RESPONSES, [400, 401, 404]) },
        },
      },
      async (request) => {
        const view = await service.get(request.params.id);
        return verificationView(service, view.verification, view.status, view.attempts);
      },
    );

    f.post(
      '/v1/verifications/:id/cancel',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Cancel a pending verification',
          params: IdParams,
          response: { 200: VerificationView, ...errors },
        },
      },
      async (request) => {
        const v = await service.cancel(request.params.id);
        const attempts = await app.store.attempts.listByVerification(v.id);
        return verificationView(service, v, 'canceled', attempts);
      },
    );

    f.post(
      '/v1/verifications/:id/resend',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Send a new code for a pending verification',
          params: IdParams,
          response: { 200: VerificationView, ...errors, ...sendErrors },
        },
      },
      async (request) => {
        // The body is optional (most resends send none), so it is checked here rather than by schema.
        const body = resendBody(request.body);
        const outcome = await service.resend(request.params.id, {
          ...(body.route_id !== undefined ? { routeId: body.route_id } : {}),
          ...(body.locale !== undefined ? { locale: body.locale } : {}),
        });
        const attempts = await app.store.attempts.listByVerification(outcome.verification.id);
        return verificationView(service, outcome.verification, 'pending', attempts, outcome.debugCode);
      },
    );
  };
}

function resendBody(raw: unknown): { route_id?: number; locale?: string } {
  if (raw === undefined || raw === null) return {};
  if (!Value.Check(ResendBody, raw)) {
    throw new OtpError('VALIDATION_FAILED', {
      message: 'body must be {route_id?: integer, locale?: string} or empty',
      details: { location: 'body' },
    });
  }
  return raw ?? {};
}
