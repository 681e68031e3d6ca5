import { failureForStatus, isRecord } from '../http-client.js';
import { failure, type ProviderFailureResult } from '../provider.js';

/** Short, bounded excerpt of the gateway's own words; its details carry no secrets or message text. */
function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * The FastAPI `detail` of an error body: a string, or the first `msg` of a validation list (the
 * list's `loc` is kept because it says which field failed; `input` is dropped, it echoes values).
 */
export function bridgeDetail(body: unknown): { text: string; list: boolean; loc: string } | undefined {
  if (!isRecord(body)) return undefined;
  const detail = body.detail;
  if (typeof detail === 'string') return { text: detail, list: false, loc: '' };
  if (Array.isArray(detail) && detail.length > 0) {
    const first: unknown = detail[0];
    const msg = isRecord(first) && typeof first.msg === 'string' ? first.msg : 'validation failed';
    const loc = isRecord(first) && Array.isArray(first.loc) ? first.loc.map(String).join('.') : '';
    return { text: msg, list: true, loc };
  }
  return undefined;
}

/**
 * Maps a BridgeXAPI error answer. Like the vendor's SDK we classify by case-insensitive
 * substrings of `detail` (its status codes are undocumented) and only fall back to the status.
 */
export function bridgeFailure(status: number, body: unknown): ProviderFailureResult {
  const code = String(status);
  const detail = bridgeDetail(body);
  if (!detail) return failureForStatus(status, code);
  const text = detail.text.toLowerCase();
  const said = `bridgexapi: ${excerpt(detail.text)}`;
  if (text.includes('api key') || text.includes('x-api-key')) return failure('auth', said, code);
  if (text.includes('insufficient balance')) return failure('insufficient_balance', said, code);
  if (
    text.includes('invalid route_id') ||
    text.includes('not authorized for') ||
    text.includes('sender id not allowed')
  ) {
    return failure('blocked', said, code);
  }
  if (text.includes('vendor send failed')) return failure('server', said, code);
  if (text.includes('invalid number') || text.includes('msisdn') || /\bnumbers?\b/.test(detail.loc)) {
    return failure('invalid_number', said, code);
  }
  if (detail.list || text.includes('pricing failed') || text.includes('estimate failed')) {
    return failure('rejected', said, code);
  }
  if (text.includes('no pricing available')) return failure('rejected', said, code);
  const byStatus = failureForStatus(status, code);
  return { ok: false, failure: { ...byStatus.failure, message: said } };
}
