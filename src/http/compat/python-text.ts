/**
 * Python's `str.strip()`, which the reference server's validators use: it removes what
 * `str.isspace()` calls whitespace (the ASCII separators \x1c-\x1f and NEL included, the
 * byte-order mark not, unlike JavaScript's trim). Python's len() is core's characterCount.
 */
const PYTHON_SPACE =
  '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const EDGES = new RegExp(`^${PYTHON_SPACE}+|${PYTHON_SPACE}+$`, 'gu');

export function pythonStrip(text: string): string {
  return text.replace(EDGES, '');
}
