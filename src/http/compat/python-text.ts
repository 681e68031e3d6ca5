/**
 * Python's `str.strip()` and `len()`, which the reference server's validators use: strip removes
 * what `str.isspace()` calls whitespace (the ASCII separators \x1c-\x1f and NEL included, the
 * byte-order mark not, unlike JavaScript's trim), and len counts code points, not UTF-16 units.
 */
const PYTHON_SPACE =
  '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const EDGES = new RegExp(`^${PYTHON_SPACE}+|${PYTHON_SPACE}+$`, 'gu');

export function pythonStrip(text: string): string {
  return text.replace(EDGES, '');
}

export function pythonLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
