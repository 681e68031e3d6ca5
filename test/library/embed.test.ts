import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, loadConfig, MemoryStore, ScriptedProvider } from '../../src/index.js';

/** otpgate embedded in another program: no HTTP, the service called directly. */
describe('library entry point', () => {
  it('builds an app from config and sends and checks a code in-process', async () => {
    const provider = new ScriptedProvider({ name: 'sandbox' });
    const config = loadConfig({
      env: {
        OTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'otpgate-lib-')),
        OTPGATE_PEPPER: 'library-pepper-0123456789-abcdefghijk',
      },
    });
    const app = await createApp(config, { store: new MemoryStore(), providers: [provider] });
    try {
      const sent = await app.service.start({ to: '+31 6 5186 0670', purpose: 'login' });
      expect(sent.verification.destination).toBe('+31651860670');
      const code = provider.sent[0]!.code;
      expect((await app.service.check({ to: '0031651860670', purpose: 'login', code })).kind).toBe(
        'approved',
      );
    } finally {
      await app.close();
    }
  });
});
