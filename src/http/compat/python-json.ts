/**
 * Where and why CPython's `json.loads` (3.12, the C scanner FastAPI ends up calling) rejects a
 * body: FastAPI puts both into its 422, as `loc: ["body", position]` and `ctx.error`. Positions
 * count code points, as Python strings do. Only used on the error path, after JSON.parse failed.
 * (Python 3.13 words a trailing comma differently: "Illegal trailing comma before end of object".)
 */
export interface PythonJsonError {
  message: string;
  position: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]{4}$/;
/** Checked in this order before a number, as the C scanner switches on the first character. */
const LITERALS = ['null', 'true', 'false', 'NaN', 'Infinity', '-Infinity'];
/** Python raises RecursionError (not a decode error) long before this; deeper input is not judged. */
const MAX_DEPTH = 1000;

class TooDeep extends Error {}

/**
 * Whether `text` (JSON that JSON.parse accepted) nests arrays and objects deeper than Python's
 * decoder recurses: there `json.loads` raises RecursionError, which FastAPI answers as a 400
 * "There was an error parsing the body" instead of validating the body. A linear scan with no
 * recursion of its own; brackets inside strings do not count.
 */
export function nestsTooDeepForPython(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (inString) {
      if (c === BACKSLASH) at++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

class Rejected extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(reason);
  }
}

/**
 * The error `json.loads(text)` raises, or undefined when Python would accept the text (it also
 * takes NaN, Infinity and -Infinity, which JSON.parse does not). A leading UTF-8 byte-order mark
 * is skipped, as Python does when it decodes the request's bytes.
 */
export function pythonJsonError(text: string): PythonJsonError | undefined {
  const verdict = pythonVerdict(text);
  return verdict === 'ok' || verdict === 'too_deep' ? undefined : verdict;
}

/**
 * Whether `json.loads(text)` would raise RecursionError: it nests deeper than Python decodes
 * before any syntax error is reached (Python reads left to right and stops at the first problem).
 * FastAPI answers that with a 400, not a 422 json_invalid.
 */
export function pythonRecursesTooDeep(text: string): boolean {
  return pythonVerdict(text) === 'too_deep';
}

/** What `json.loads(text)` does: accepts it, rejects it at a position, or runs out of recursion. */
function pythonVerdict(text: string): 'ok' | 'too_deep' | PythonJsonError {
  // A leading UTF-8 byte-order mark is skipped, as Python does when it decodes the request's bytes.
  const chars = Array.from(text.startsWith('\uFEFF') ? text.slice(1) : text);
  try {
    new Scanner(chars).document();
    return 'ok';
  } catch (error) {
    if (error instanceof Rejected) return { message: error.reason, position: error.position };
    if (error instanceof TooDeep) return 'too_deep';
    throw error;
  }
}

class Scanner {
  private depth = 0;

  constructor(private readonly s: readonly string[]) {}

  document(): void {
    const end = this.value(this.skipWhitespace(0));
    const rest = this.skipWhitespace(end);
    if (rest !== this.s.length) throw new Rejected('Extra data', rest);
  }

  private skipWhitespace(from: number): number {
    let at = from;
    while (at < this.s.length && WHITESPACE.has(this.s[at]!)) at++;
    return at;
  }

  /** Scans one value starting exactly at `at` (no whitespace skipping); returns the index after it. */
  private value(at: number): number {
    const c = this.s[at];
    if (c === '"') return this.string(at + 1);
    if (c === '{' || c === '[') {
      if (++this.depth > MAX_DEPTH) throw new TooDeep();
      const end = c === '{' ? this.object(at + 1) : this.array(at + 1);
      this.depth--;
      return end;
    }
    for (const literal of LITERALS) if (this.matches(at, literal)) return at + literal.length;
    const end = this.number(at);
    if (end === undefined) throw new Rejected('Expecting value', at);
    return end;
  }

  private matches(at: number, literal: string): boolean {
    for (let k = 0; k < literal.length; k++) if (this.s[at + k] !== literal[k]) return false;
    return true;
  }

  private isDigit(at: number): boolean {
    const c = this.s[at];
    return c !== undefined && c >= '0' && c <= '9';
  }

  /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)? at `at`, or undefined; a bare "." or "e" is left over. */
  private number(at: number): number | undefined {
    let i = at;
    if (this.s[i] === '-') i++;
    if (this.s[i] === '0') i++;
    else if (this.isDigit(i)) while (this.isDigit(i)) i++;
    else return undefined;
    if (this.s[i] === '.' && this.isDigit(i + 1)) {
      i += 2;
      while (this.isDigit(i)) i++;
    }
    if (this.s[i] === 'e' || this.s[i] === 'E') {
      let e = i + 1;
      if (this.s[e] === '-' || this.s[e] === '+') e++;
      if (this.isDigit(e)) {
        while (this.isDigit(e)) e++;
        i = e;
      }
    }
    return i;
  }

  /** `at` is just past the opening quote. */
  private string(at: number): number {
    const begin = at - 1;
    let i = at;
    for (;;) {
      const c = this.s[i];
      if (c === undefined) throw new Rejected('Unterminated string starting at', begin);
      if (c === '"') return i + 1;
      if (c.codePointAt(0)! <= 0x1f) throw new Rejected('Invalid control character at', i);
      if (c !== '\\') {
        i++;
        continue;
      }
      const escaped = this.s[i + 1];
      if (escaped === undefined) throw new Rejected('Unterminated string starting at', begin);
      if (escaped !== 'u') {
        if (!SIMPLE_ESCAPES.has(escaped)) throw new Rejected('Invalid \\escape', i);
        i += 2;
        continue;
      }
      // The C scanner wants the four digits and at least one character after them.
      const u = i + 1;
      if (u + 5 >= this.s.length || !HEX.test(this.s.slice(u + 1, u + 5).join(''))) {
        throw new Rejected('Invalid \\uXXXX escape', u);
      }
      i = u + 5;
    }
  }

  /** `at` is just past '{'. */
  private object(at: number): number {
    let end = at;
    if (this.s[end] !== '"') {
      end = this.skipWhitespace(end);
      if (this.s[end] === '}') return end + 1;
      if (this.s[end] !== '"') {
        throw new Rejected('Expecting property name enclosed in double quotes', end);
      }
    }
    end += 1;
    for (;;) {
      end = this.string(end);
      if (this.s[end] !== ':') {
        end = this.skipWhitespace(end);
        if (this.s[end] !== ':') throw new Rejected("Expecting ':' delimiter", end);
      }
      end = this.skipWhitespace(end + 1);
      end = this.value(end);
      end = this.skipWhitespace(end);
      const next = this.s[end];
      end += 1;
      if (next === '}') return end;
      if (next !== ',') throw new Rejected("Expecting ',' delimiter", end - 1);
      end = this.skipWhitespace(end);
      if (this.s[end] !== '"') {
        throw new Rejected('Expecting property name enclosed in double quotes', end);
      }
      end += 1;
    }
  }

  /** `at` is just past '['. */
  private array(at: number): number {
    let end = this.skipWhitespace(at);
    if (this.s[end] === ']') return end + 1;
    for (;;) {
      end = this.value(end);
      end = this.skipWhitespace(end);
      const next = this.s[end];
      end += 1;
      if (next === ']') return end;
      if (next !== ',') throw new Rejected("Expecting ',' delimiter", end - 1);
      end = this.skipWhitespace(end);
    }
  }
}
