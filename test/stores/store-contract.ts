import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/stores/store.js';
import { attemptContract } from './contract/attempts.js';
import { concurrencyContract } from './contract/concurrency.js';
import { checkFormsContract } from './contract/check-forms.js';
import { counterContract } from './contract/counters.js';
import { lifecycleContract } from './contract/lifecycle.js';
import { verificationContract } from './contract/verifications.js';

export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
}

/**
 * The one suite every Store implementation runs. Each test gets a fresh store from `makeStore`,
 * so the suite holds for any backend without relying on test order.
 */
export function storeContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let current: StoreUnderTest | undefined;

    beforeEach(async () => {
      current = await makeStore();
      await current.store.migrate();
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getStore = (): Store => {
      if (!current) throw new Error('store not created: getStore() called outside a test');
      return current.store;
    };

    verificationContract(getStore);
    concurrencyContract(getStore);
    checkFormsContract(getStore);
    attemptContract(getStore);
    counterContract(getStore);
    lifecycleContract(getStore);
  });
}
