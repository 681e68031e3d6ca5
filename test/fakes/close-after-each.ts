import { afterEach } from 'vitest';

/**
 * For end-to-end files that start otpgate and the fakes it talks to: registers an afterEach that
 * closes everything the test opened, newest first, so the otpgate server goes before its fakes.
 *
 *   const closeLater = closeAfterEach();
 *   const fake = closeLater(await startVonageFake());
 *   const t = closeLater(await startTestServer({ config }));
 *   ...
 *   await t.close();
 *   closeLater.forget(t); // closed by the test already, not again
 */

export interface Closable {
  close(): Promise<void>;
}

export interface CloseLater {
  /** Closes `resource` after this test; hands it back. */
  <T extends Closable>(resource: T): T;
  /** Takes back a resource the test closed itself. */
  forget(resource: Closable): void;
}

export function closeAfterEach(): CloseLater {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });
  const closeLater = <T extends Closable>(resource: T): T => {
    open.push(resource);
    return resource;
  };
  return Object.assign(closeLater, {
    forget(resource: Closable) {
      const index = open.indexOf(resource);
      if (index >= 0) open.splice(index, 1);
    },
  });
}
