import type { Channel } from '../core/index.js';
import type { Config } from '../config/index.js';
import { renderMessage } from '../templates/index.js';
import type { MessageRenderer, RenderedMessage } from './message-renderer.js';

/** Renders codes with the configured brand, lifetime, templates, app hash and WebOTP domain. */
export class TemplateRenderer implements MessageRenderer {
  constructor(private readonly config: Pick<Config, 'brand' | 'policy' | 'templates'>) {}

  render(input: { channel: Channel; locale: string | undefined; code: string }): RenderedMessage {
    return renderMessage({
      channel: input.channel,
      locale: input.locale,
      brand: this.config.brand,
      code: input.code,
      ttlSeconds: this.config.policy.ttlSeconds,
      ...(this.config.templates.appHash ? { appHash: this.config.templates.appHash } : {}),
      ...(this.config.templates.webOtpDomain ? { webOtpDomain: this.config.templates.webOtpDomain } : {}),
      templates: this.config.templates.overrides,
    });
  }
}
