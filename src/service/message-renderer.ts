import type { Channel } from '../core/index.js';

export interface RenderedMessage {
  text: string;
  subject: string | undefined;
  /**
   * The language the text is written in (normalised: "nl", "pt-br"), which may differ from the one
   * asked for when the wording fell back; undefined for an operator template without a locale.
   */
  locale: string | undefined;
}

/** Turns a code into the text of one channel and locale (see src/templates). */
export interface MessageRenderer {
  render(input: { channel: Channel; locale: string | undefined; code: string }): RenderedMessage;
}
