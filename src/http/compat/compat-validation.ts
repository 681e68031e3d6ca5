import { missing, modelType, stringType, valueError, type PydanticErrorItem } from './pydantic-errors.js';
import { pythonStrip } from './python-text.js';
import { characterCount } from '../../core/index.js';

export interface CompatSendInput {
  phoneNumber: string;
  purpose: string;
  routeId: number;
}

export interface CompatVerifyInput {
  phoneNumber: string;
  code: string;
  purpose: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: PydanticErrorItem[] };

/**
 * The reference server's request rules (research §1.2): phone digits only, 10-15 digits on send;
 * purpose stripped, lower-cased, non-empty, at most 50 chars; route_id an integer 1-8 (a numeric
 * string is accepted, as pydantic's lax mode does); code digits only. We also accept a leading "+"
 * on phone numbers, which the reference rejects, because E.164 is what most clients hold.
 */
export function parseSend(body: unknown, defaultRouteId: number): Parsed<CompatSendInput> {
  if (!isObject(body)) return { ok: false, errors: [modelType(body)] };
  const errors: PydanticErrorItem[] = [];
  const phoneNumber = phoneField(body, errors, true);
  const purpose = purposeField(body, errors);
  const routeId = routeIdField(body, errors, defaultRouteId);
  if (errors.length > 0 || phoneNumber === undefined || purpose === undefined || routeId === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, value: { phoneNumber, purpose, routeId } };
}

export function parseVerify(body: unknown): Parsed<CompatVerifyInput> {
  if (!isObject(body)) return { ok: false, errors: [modelType(body)] };
  const errors: PydanticErrorItem[] = [];
  const phoneNumber = phoneField(body, errors, false);
  let code: string | undefined;
  if (!('code' in body)) errors.push(missing('code', body));
  else if (typeof body.code !== 'string') errors.push(stringType('code', body.code));
  else {
    code = pythonStrip(body.code);
    if (!/^[0-9]+$/.test(code)) errors.push(valueError('code', 'code must be numeric.', body.code));
  }
  const purpose = purposeField(body, errors);
  if (errors.length > 0 || phoneNumber === undefined || code === undefined || purpose === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, value: { phoneNumber, code, purpose } };
}

function phoneField(
  body: Record<string, unknown>,
  errors: PydanticErrorItem[],
  checkLength: boolean,
): string | undefined {
  if (!('phone_number' in body)) {
    errors.push(missing('phone_number', body));
    return undefined;
  }
  const raw = body.phone_number;
  if (typeof raw !== 'string') {
    errors.push(stringType('phone_number', raw));
    return undefined;
  }
  const value = pythonStrip(raw);
  const digits = value.startsWith('+') ? value.slice(1) : value;
  if (!/^[0-9]+$/.test(digits)) {
    errors.push(valueError('phone_number', 'phone_number must contain digits only.', raw));
    return undefined;
  }
  if (checkLength && (digits.length < 10 || digits.length > 15)) {
    errors.push(valueError('phone_number', 'phone_number must usually be between 10 and 15 digits.', raw));
    return undefined;
  }
  return digits;
}

function purposeField(body: Record<string, unknown>, errors: PydanticErrorItem[]): string | undefined {
  if (!('purpose' in body) || body.purpose === undefined) return 'login';
  const raw = body.purpose;
  if (typeof raw !== 'string') {
    errors.push(stringType('purpose', raw));
    return undefined;
  }
  const value = pythonStrip(raw).toLowerCase();
  if (value.length === 0) {
    errors.push(valueError('purpose', 'purpose cannot be empty.', raw));
    return undefined;
  }
  // The reference caps purpose at 50 only on send; otpgate's store needs the cap on both.
  if (characterCount(value) > 50) {
    errors.push(valueError('purpose', 'purpose must be 50 characters or less.', raw));
    return undefined;
  }
  return value;
}

function routeIdField(
  body: Record<string, unknown>,
  errors: PydanticErrorItem[],
  fallback: number,
): number | undefined {
  if (!('route_id' in body) || body.route_id === undefined) return fallback;
  const raw = body.route_id;
  const parsed = laxInt(raw);
  if (typeof parsed !== 'number') {
    errors.push({ ...parsed, loc: ['body', 'route_id'], input: raw });
    return undefined;
  }
  const numeric = parsed;
  const error =
    numeric < 1
      ? outOfRange('greater_than_equal', 'greater than or equal to', 'ge', 1, raw)
      : numeric > 8
        ? outOfRange('less_than_equal', 'less than or equal to', 'le', 8, raw)
        : undefined;
  if (error) {
    errors.push(error);
    return undefined;
  }
  return numeric;
}

/**
 * pydantic v2's lax-mode int: booleans are 0/1, floats only without a fractional part, strings
 * after trimming with an optional sign and an optional all-zero fraction ("+3", " 3 ", "3.0").
 * Anything else is the error item pydantic would give (without loc and input).
 */
function laxInt(raw: unknown): number | { type: string; msg: string } {
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'number') {
    if (Number.isInteger(raw)) return raw;
    return {
      type: 'int_from_float',
      msg: 'Input should be a valid integer, got a number with a fractional part',
    };
  }
  if (typeof raw === 'string') {
    // Underscores between digits are allowed, as in Python's int() ("0_3" is 3).
    const match = /^\s*([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0*)?\s*$/.exec(raw);
    const value = match ? Number(match[1]!.replaceAll('_', '')) : NaN;
    if (Number.isSafeInteger(value)) return value;
    return {
      type: 'int_parsing',
      msg: 'Input should be a valid integer, unable to parse string as an integer',
    };
  }
  return { type: 'int_type', msg: 'Input should be a valid integer' };
}

/** pydantic's ge/le error item for route_id. */
function outOfRange(
  type: 'greater_than_equal' | 'less_than_equal',
  words: string,
  key: 'ge' | 'le',
  limit: number,
  input: unknown,
): PydanticErrorItem {
  return {
    type,
    loc: ['body', 'route_id'],
    msg: `Input should be ${words} ${limit}`,
    input,
    ctx: { [key]: limit },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
