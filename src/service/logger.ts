/**
 * The logging port: pino satisfies it, tests pass a recorder. One line per business event; fields
 * carry masked destinations only. Codes, API keys and secrets are never passed here.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
