import { ConfigError } from '../../src/config/index.js';

/** The problems of the ConfigError `fn` throws; fails the test when it throws nothing. */
export function configProblemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}
