export {
  createGenericHttpProvider,
  genericHttpOptionProblems,
  type GenericHttpOptions,
  type GenericHttpProvider,
  type GenericHttpSignature,
} from './generic-http-provider.js';
export {
  compileTemplate,
  renderTemplate,
  TEMPLATE_VARIABLES,
  type TemplateEscape,
  type TemplateValues,
  type TemplateVariable,
} from './template.js';
export { readPath, readScalar } from './dot-path.js';
