export { createVonageProvider, type VonageOptions, type VonageProvider } from './vonage-provider.js';
export { mapVonageDlrStatus, vonageSendFailure } from './vonage-status.js';
export {
  VONAGE_SIGNATURE_METHODS,
  vonageSignature,
  verifyVonageSignature,
  type VonageSignatureMethod,
} from './vonage-signature.js';
export { isGsm7 } from './gsm7.js';
