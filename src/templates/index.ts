export {
  renderMessage,
  type RenderMessageInput,
  type RenderedMessage,
  type TemplateOverrides,
} from './render-message.js';
export { validateTemplates } from './validate-templates.js';
export { appendAutofillLines, type AutofillOptions } from './autofill.js';
export { BUILT_IN_LOCALES, type BuiltInLocale } from './built-in.js';
export { DEFAULT_LOCALE, localeCandidates } from './locale.js';
export {
  PLACEHOLDERS,
  fillPlaceholders,
  spokenCode,
  ttlMinutes,
  type TemplateValues,
} from './placeholders.js';
