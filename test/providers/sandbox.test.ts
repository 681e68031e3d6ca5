import { describe, expect, it } from 'vitest';
import { SandboxProvider } from '../../src/providers/sandbox/sandbox-provider.js';
import { NEVER_ABORTED } from '../../src/providers/call-signal.js';

const message = (i: number) => ({
  attemptId: `msg_${i}`,
  verificationId: `ver_${i}`,
  to: `+3165186${String(i).padStart(4, '0')}`,
  channel: 'sms' as const,
  text: `code ${i}`,
  code: String(i),
  subject: undefined,
  sender: 'OTPGATE',
  locale: undefined,
  statusCallbackUrl: undefined,
});

describe('SandboxProvider outbox', () => {
  it('keeps the last outboxLimit messages, newest first, across many wraps of its ring', async () => {
    const sandbox = new SandboxProvider({ name: 'sandbox', outboxLimit: 5 });
    for (let i = 1; i <= 3; i++) await sandbox.send(message(i), { signal: NEVER_ABORTED });
    expect(sandbox.listOutbox().map((m) => m.attemptId)).toEqual(['msg_3', 'msg_2', 'msg_1']);
    for (let i = 4; i <= 23; i++) await sandbox.send(message(i), { signal: NEVER_ABORTED });
    expect(sandbox.listOutbox().map((m) => m.attemptId)).toEqual([
      'msg_23',
      'msg_22',
      'msg_21',
      'msg_20',
      'msg_19',
    ]);
    expect(sandbox.listOutbox(2).map((m) => m.attemptId)).toEqual(['msg_23', 'msg_22']);
    sandbox.clearOutbox();
    expect(sandbox.listOutbox()).toEqual([]);
    await sandbox.send(message(24), { signal: NEVER_ABORTED });
    expect(sandbox.listOutbox().map((m) => m.attemptId)).toEqual(['msg_24']);
  });

  it('answers delivered by default, and queued when another status is configured', async () => {
    expect(
      await new SandboxProvider({ name: 's' }).send(message(1), { signal: NEVER_ABORTED }),
    ).toMatchObject({
      ok: true,
      status: 'delivered',
    });
    const failing = new SandboxProvider({ name: 's', deliveryStatus: 'failed' });
    expect(await failing.send(message(1), { signal: NEVER_ABORTED })).toMatchObject({
      ok: true,
      status: 'queued',
    });
  });
});
