import type { Store } from '../store.js';
import { rowLimit } from '../transitions.js';
import { MemoryAttemptRepo } from './memory-attempts.js';
import { MemoryCounterRepo } from './memory-counters.js';
import { MemoryVerificationRepo } from './memory-verifications.js';

/**
 * The in-process store: for tests, demos and single-node setups that accept losing state on
 * restart. JavaScript runs each method to completion, which is what makes the ATOMIC ones atomic.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly verifications: MemoryVerificationRepo;
  readonly attempts: MemoryAttemptRepo;
  readonly counters = new MemoryCounterRepo();
  private closed = false;

  constructor() {
    const verifications = new MemoryVerificationRepo();
    this.verifications = verifications;
    this.attempts = new MemoryAttemptRepo((id) => verifications.has(id));
  }

  async migrate(): Promise<void> {
    // Nothing to create: the maps exist from construction.
  }

  async health(): Promise<void> {
    if (this.closed) throw new Error('memory store is closed');
  }

  async purgeExpired(beforeMs: number, limit: number): Promise<number> {
    const removed = this.verifications.deleteExpired(beforeMs, rowLimit(limit));
    this.attempts.deleteForVerifications(removed);
    this.counters.deleteExpired(beforeMs, rowLimit(limit));
    return removed.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
