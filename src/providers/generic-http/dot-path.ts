import { isRecord } from '../http-client.js';

/**
 * Reads `data.id` or `messages.0.id` from parsed JSON. Only own properties are followed, so a
 * configured path can never reach `__proto__` or inherited members.
 */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.prototype.hasOwnProperty.call(current, segment))
      current = current[segment];
    else return undefined;
  }
  return current;
}

/** A path's value as an id or status word: strings and finite numbers only. */
export function readScalar(value: unknown, path: string): string | undefined {
  const found = readPath(value, path);
  if (typeof found === 'string' && found !== '') return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}
