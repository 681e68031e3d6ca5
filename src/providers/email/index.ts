export {
  createEmailProvider,
  emailRequiresTls,
  isLoopbackHost,
  type EmailOptions,
  type EmailProvider,
} from './email-provider.js';
export { smtpFailure } from './smtp-errors.js';
