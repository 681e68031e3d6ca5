/** Values a generic-HTTP request template can use, as `{{name}}` (spaces inside the braces allowed). */
export const TEMPLATE_VARIABLES = [
  'to',
  'to_digits',
  'text',
  'code',
  'sender',
  'attempt_id',
  'callback_url',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Readonly<Record<TemplateVariable, string>>;

/**
 * How a value is escaped for the place it lands in: inside a JSON string literal, a form or URL
 * component, an HTTP header value, or verbatim text. Escaping per place is what keeps a message
 * text with quotes, `&` or newlines from breaking (or injecting into) the request.
 */
export type TemplateEscape = 'json' | 'form' | 'url' | 'header' | 'text';

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A CR or LF would start a new header; other control characters are invalid in header values. */
function headerSafe(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? ' ' : char;
  }
  return out;
}

function escapeValue(value: string, escape: TemplateEscape): string {
  switch (escape) {
    case 'json':
      // U+2028/2029 are valid JSON but break some JavaScript-based parsers; escape them too.
      return JSON.stringify(value)
        .slice(1, -1)
        .replace(/\u2028/g, '\\u2028')
        .replace(/\u2029/g, '\\u2029');
    case 'form':
    case 'url':
      // encodeURIComponent throws on a lone surrogate; a replacement character is the honest send.
      return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
    case 'header':
      return headerSafe(value);
    case 'text':
      return value;
  }
}

function isVariable(name: string): name is TemplateVariable {
  return (TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

/**
 * Compiles a template once (at start-up) into a renderer. Unknown placeholders throw here, so a
 * typo in the config fails at start-up instead of sending a literal `{{tp}}` to a gateway.
 */
export function compileTemplate(
  template: string,
  escape: TemplateEscape,
): (values: TemplateValues) => string {
  const literals: string[] = [];
  const names: TemplateVariable[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!isVariable(name)) {
      throw new Error(`unknown template variable {{${name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`);
    }
    literals.push(template.slice(last, match.index));
    names.push(name);
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  return (values) => {
    let out = literals[0] ?? '';
    for (let i = 0; i < names.length; i += 1) {
      out += escapeValue(values[names[i] as TemplateVariable], escape) + (literals[i + 1] ?? '');
    }
    return out;
  };
}

export function renderTemplate(template: string, escape: TemplateEscape, values: TemplateValues): string {
  return compileTemplate(template, escape)(values);
}
