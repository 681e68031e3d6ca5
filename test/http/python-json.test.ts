import { describe, expect, it } from 'vitest';
import { pythonJsonError } from '../../src/http/compat/python-json.js';

/** Each expectation was recorded from CPython's json.loads (the JSONDecodeError's msg and pos). */
const RECORDED: Array<[string, string, number]> = [
  ['{"phone_number": ', 'Expecting value', 17],
  ['{"phone_number": "+31651860670",}', 'Expecting property name enclosed in double quotes', 32],
  ['{"phone_number" "x"}', "Expecting ':' delimiter", 16],
  ["{'phone_number': 1}", 'Expecting property name enclosed in double quotes', 1],
  ['{"a":1} x', 'Extra data', 8],
  ['[1 2]', "Expecting ',' delimiter", 3],
  ['"abc', 'Unterminated string starting at', 0],
  ['"a\\qb"', 'Invalid \\escape', 2],
  ['"\\u12G4"', 'Invalid \\uXXXX escape', 2],
  ['"\\u1234', 'Invalid \\uXXXX escape', 2],
  ['{"a":"x\u0001"}', 'Invalid control character at', 7],
  ['01', 'Extra data', 1],
  ['-', 'Expecting value', 0],
  // Positions count code points: the emoji is one character to Python, two UTF-16 units to JS.
  ['{"😀": tru}', 'Expecting value', 6],
  ['{"a":1e+}', "Expecting ',' delimiter", 6],
  ['', 'Expecting value', 0],
];

describe("Python's json.loads errors (the reference server's json_invalid position and reason)", () => {
  it.each(RECORDED)('%j → %s at %i', (text, message, position) => {
    expect(pythonJsonError(text)).toEqual({ message, position });
  });

  it('accepts what Python accepts, NaN and Infinity included, and a leading byte-order mark', () => {
    for (const text of ['{"a": [1, 2.5e-3, null, true, "\\u00e9"]}', '[NaN, -Infinity]', '\uFEFF{"a":1}']) {
      expect(pythonJsonError(text)).toBeUndefined();
    }
  });

  it('gives no verdict on nesting deeper than Python could decode (instead of overflowing the stack)', () => {
    expect(pythonJsonError('['.repeat(200_000))).toBeUndefined();
  });
});
