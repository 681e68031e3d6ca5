export * from './codes.js';
export * from './otp-error.js';
