import { Type, type TSchema } from 'typebox';

type Scalar = 'string' | 'integer' | 'number' | 'boolean';
type ScalarValue<T extends Scalar> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;

/**
 * A nullable scalar as `type: [T, "null"]` rather than `anyOf`: the same JSON Schema meaning, but
 * the response serializer writes it directly instead of trying each branch per value.
 */
export function Nullable<T extends Scalar>(type: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<ScalarValue<T> | null>({ ...options, type: [type, 'null'] } as TSchema);
}
