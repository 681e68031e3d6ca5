import { pythonJsonError } from './python-json.js';

/**
 * The reference server is FastAPI + pydantic v2; its 422 bodies are lists of these items. We build
 * the same shape so clients that parse `detail[0].msg` or `detail[0].loc` keep working.
 */
export interface PydanticErrorItem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export function valueError(field: string, message: string, input: unknown): PydanticErrorItem {
  return {
    type: 'value_error',
    loc: ['body', field],
    msg: `Value error, ${message}`,
    input,
    ctx: { error: {} },
  };
}

export function missing(field: string, body: unknown): PydanticErrorItem {
  return { type: 'missing', loc: ['body', field], msg: 'Field required', input: body };
}

export function stringType(field: string, input: unknown): PydanticErrorItem {
  return { type: 'string_type', loc: ['body', field], msg: 'Input should be a valid string', input };
}

/**
 * FastAPI's answer to a body `json.loads` rejects: the position and reason Python reports. Where
 * Python would have accepted the text (NaN, Infinity) or cannot judge it, the reason is generic.
 */
export function jsonInvalid(body: string): PydanticErrorItem {
  const rejected = pythonJsonError(body);
  return {
    type: 'json_invalid',
    loc: ['body', rejected?.position ?? 0],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: rejected?.message ?? 'Invalid JSON' },
  };
}

export function modelType(body: unknown): PydanticErrorItem {
  // No body at all is FastAPI's "body: Field required" with input null.
  if (body === undefined || body === null) {
    return { type: 'missing', loc: ['body'], msg: 'Field required', input: null };
  }
  return {
    type: 'model_attributes_type',
    loc: ['body'],
    msg: 'Input should be a valid dictionary or object to extract fields from',
    input: body,
  };
}
