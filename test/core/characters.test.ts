import { describe, expect, it } from 'vitest';
import { characterCount } from '../../src/core/index.js';

describe('characterCount', () => {
  it('counts code points, as Python len() does, not UTF-16 units', () => {
    expect(characterCount('')).toBe(0);
    expect(characterCount('login')).toBe(5);
    expect(characterCount('😀'.repeat(30))).toBe(30);
    expect('😀'.repeat(30).length).toBe(60);
  });
});
