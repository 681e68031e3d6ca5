/**
 * Length in characters (code points), as a person and Python's len() count them: "😀" is one,
 * where JavaScript's `.length` says two (UTF-16 units).
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
