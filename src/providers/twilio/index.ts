export { createTwilioProvider, type TwilioOptions, type TwilioProvider } from './twilio-provider.js';
export { mapTwilioStatus, twilioErrorFailure } from './twilio-status.js';
export { twilioSignature, verifyTwilioSignature } from './twilio-signature.js';
export { sayVoiceFor, voiceTwiml, xmlEscape } from './twilio-request.js';
