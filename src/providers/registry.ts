import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError, type Config, type ProviderConfig } from '../config/index.js';
import { CHANNELS, DELIVERY_STATUSES, type Clock } from '../core/index.js';
import type { Logger } from '../service/logger.js';
import type { Provider } from './provider.js';
import { SandboxProvider } from './sandbox/sandbox-provider.js';
import { createBridgeXApiProvider, type BridgeXApiOptions } from './bridgexapi/index.js';
import { createTwilioProvider, type TwilioOptions } from './twilio/index.js';
import { createVonageProvider, type VonageOptions } from './vonage/index.js';
import { createSmppProvider, RECEIPT_ID_FORMATS, type SmppOptions } from './smpp/index.js';
import { createEmailProvider, type EmailOptions } from './email/index.js';
import {
  createGenericHttpProvider,
  genericHttpOptionProblems,
  type GenericHttpOptions,
} from './generic-http/index.js';

export interface ProviderContext {
  clock: Clock;
  logger: Logger;
}

const Str = Type.String({ minLength: 1 });
const Url = Type.String({ pattern: '^https?://' });
const Opt = Type.Optional;
const Channels = Opt(Type.Array(Type.Enum(CHANNELS)));

/**
 * Each provider type's options as they appear in the config file (the instance name is added from
 * the key). Checked once at start-up so a missing credential is reported with all other problems.
 */
const OPTION_SCHEMAS: Record<string, TSchema> = {
  sandbox: Type.Object({ type: Type.Literal('sandbox') }, { additionalProperties: false }),
  bridgexapi: Type.Object(
    {
      type: Type.Literal('bridgexapi'),
      apiKey: Str,
      baseUrl: Opt(Url),
      routeId: Type.Integer({ minimum: 1 }),
      callerId: Type.String({ minLength: 3, maxLength: 11 }),
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  twilio: Type.Object(
    {
      type: Type.Literal('twilio'),
      accountSid: Str,
      authToken: Str,
      baseUrl: Opt(Url),
      from: Opt(Str),
      messagingServiceSid: Opt(Str),
      whatsappFrom: Opt(Str),
      channels: Opt(Type.Array(Type.Enum(['sms', 'whatsapp', 'voice']))),
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  vonage: Type.Object(
    {
      type: Type.Literal('vonage'),
      apiKey: Str,
      apiSecret: Str,
      signatureSecret: Opt(Str),
      signatureMethod: Opt(Type.Enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512'])),
      signatureToleranceSeconds: Opt(Type.Integer({ minimum: 0 })),
      baseUrl: Opt(Url),
      from: Opt(Str),
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  smpp: Type.Object(
    {
      type: Type.Literal('smpp'),
      host: Str,
      port: Type.Integer({ minimum: 1, maximum: 65_535 }),
      systemId: Str,
      password: Type.String(),
      systemType: Opt(Type.String()),
      sourceAddr: Str,
      sourceAddrTon: Opt(Type.Integer()),
      sourceAddrNpi: Opt(Type.Integer()),
      enquireLinkSeconds: Opt(Type.Integer({ minimum: 1 })),
      reconnectDelayMs: Opt(Type.Integer({ minimum: 1 })),
      submitTimeoutMs: Opt(Type.Integer({ minimum: 1 })),
      receiptIdFormat: Opt(Type.Enum(RECEIPT_ID_FORMATS)),
    },
    { additionalProperties: false },
  ),
  email: Type.Object(
    {
      type: Type.Literal('email'),
      host: Str,
      port: Type.Integer({ minimum: 1, maximum: 65_535 }),
      secure: Opt(Type.Boolean()),
      auth: Opt(Type.Object({ user: Str, pass: Type.String() })),
      requireTLS: Opt(Type.Boolean()),
      from: Str,
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
      maxConnections: Opt(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  'generic-http': Type.Object(
    {
      type: Type.Literal('generic-http'),
      url: Str,
      // Only POST sends a body; a PUT would go out empty.
      method: Opt(Type.Enum(['POST', 'GET'])),
      headers: Opt(Type.Record(Type.String(), Type.String())),
      bodyTemplate: Opt(Type.String()),
      contentType: Opt(Type.Enum(['json', 'form', 'text'])),
      response: Opt(
        Type.Object({ messageIdPath: Opt(Str), successStatuses: Opt(Type.Array(Type.Integer())) }),
      ),
      deliveryReport: Opt(
        Type.Object({
          messageIdPath: Str,
          statusPath: Str,
          // Values are otpgate's own statuses; a typo would otherwise only surface when a receipt came.
          statusMap: Type.Record(Type.String(), Type.Enum(DELIVERY_STATUSES)),
          errorCodePath: Opt(Str),
          signature: Opt(
            Type.Object({
              header: Str,
              secret: Str,
              algorithm: Opt(Type.Enum(['sha1', 'sha256', 'sha512'])),
              encoding: Opt(Type.Enum(['hex', 'base64'])),
              prefix: Opt(Type.String()),
            }),
          ),
        }),
      ),
      channels: Channels,
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
};

/**
 * Checks a schema cannot express (templates that must compile), run on options that passed the
 * schema. Each problem reads "<option> <problem>", e.g. "bodyTemplate unknown template variable …".
 */
const OPTION_CHECKS: Partial<Record<string, (options: ProviderConfig) => string[]>> = {
  'generic-http': ({ type: _type, ...rest }) =>
    genericHttpOptionProblems(rest as Omit<GenericHttpOptions, 'name'>),
};

/** Builds one Provider per configured instance; every bad option of every instance is reported together. */
export function createProviders(config: Config, context: ProviderContext): Map<string, Provider> {
  const problems: string[] = [];
  for (const [name, options] of Object.entries(config.providers)) {
    const schema = OPTION_SCHEMAS[options.type];
    if (!schema) continue; // unknown types were refused by loadConfig
    const before = problems.length;
    for (const error of Value.Errors(schema, options)) {
      if (error.keyword === 'anyOf' || error.keyword === 'boolean') continue;
      // A misspelled option would otherwise be ignored silently (and a credential never used).
      const unknown =
        error.keyword === 'additionalProperties'
          ? `: ${JSON.stringify((error.params as { additionalProperties?: unknown }).additionalProperties)}`
          : '';
      problems.push(`providers.${name}${error.instancePath.replaceAll('/', '.')} ${error.message}${unknown}`);
    }
    const check = OPTION_CHECKS[options.type];
    if (check && problems.length === before) {
      for (const problem of check(options)) problems.push(`providers.${name}.${problem}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const providers = new Map<string, Provider>();
  for (const [name, options] of Object.entries(config.providers)) {
    providers.set(name, createProvider(name, options, config, context));
  }
  return providers;
}

function createProvider(
  name: string,
  options: ProviderConfig,
  config: Config,
  context: ProviderContext,
): Provider {
  // The options were checked against OPTION_SCHEMAS above, so these casts only restate that.
  const { type: _type, ...rest } = options;
  switch (options.type) {
    case 'sandbox':
      return new SandboxProvider({
        name,
        deliveryStatus: config.sandbox.deliveryStatus,
        nowMs: () => context.clock.nowMs(),
      });
    case 'bridgexapi':
      return createBridgeXApiProvider({ name, ...(rest as Omit<BridgeXApiOptions, 'name'>) });
    case 'twilio':
      return createTwilioProvider({ name, ...(rest as Omit<TwilioOptions, 'name'>) });
    case 'vonage':
      return createVonageProvider({
        name,
        nowMs: () => context.clock.nowMs(),
        ...(rest as Omit<VonageOptions, 'name'>),
      });
    case 'smpp':
      return createSmppProvider({
        name,
        logger: context.logger,
        ...(rest as Omit<SmppOptions, 'name' | 'logger'>),
      });
    case 'email':
      return createEmailProvider({ name, ...(rest as Omit<EmailOptions, 'name'>) });
    case 'generic-http':
      return createGenericHttpProvider({ name, ...(rest as Omit<GenericHttpOptions, 'name'>) });
    default:
      throw new ConfigError([`providers.${name}.type "${options.type}" is not supported`]);
  }
}
