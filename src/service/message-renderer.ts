import type { Channel } from '../core/index.js';

export interface RenderedMessage {
  text: string;
  subject: string | undefined;
}

/** Turns a code into the text of one channel and locale (see src/templates). */
export interface MessageRenderer {
  render(input: { channel: Channel; locale: string | undefined; code: string }): RenderedMessage;
}
