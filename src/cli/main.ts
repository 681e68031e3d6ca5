import { Command, InvalidArgumentError } from 'commander';
import { OTPGATE_VERSION } from '../version.js';
import { hostAndPort } from '../config/address.js';
import { serve } from './serve.js';
import {
  MAX_TIMEOUT_SECONDS,
  checkCode,
  sendCode,
  timeoutMilliseconds,
  type ClientOptions,
} from './client.js';
import { CliError, EXIT } from './exit-codes.js';

const EXIT_HELP = `
Exit status:
  0   success (check: the code was approved)
  1   send/check: the server answered with an error; check: the code is not valid
  64  bad command line (unknown option, missing argument, a server URL that is not http(s))
  69  send/check: cannot reach the server; serve: cannot listen on HOST:PORT (e.g. address in use)
  78  serve: invalid configuration (every problem is listed)`;

const program = new Command();
program
  .name('otpgate')
  .description('Self-hosted OTP verification gateway')
  .version(OTPGATE_VERSION)
  .addHelpText('after', EXIT_HELP)
  // Usage errors exit 64, not commander's 1, which `check` uses for "the code is not valid".
  // Set before the commands are added: they inherit it.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage))
  // Usage errors read like every other failure: one `otpgate: …` line (commander says `error: …`).
  .configureOutput({ outputError: (text, write) => write(`otpgate: ${text.replace(/^error: /, '')}`) });

const defaultHost = process.env.HOST ?? '127.0.0.1';
const defaultUrl =
  process.env.OTPGATE_URL ?? `http://${hostAndPort(defaultHost, process.env.PORT ?? '8080')}`;
const withClientOptions = (command: Command) =>
  command
    .option('--url <url>', 'base URL of a running otpgate (or OTPGATE_URL)', defaultUrl)
    .option('--token <token>', 'API token (or OTPGATE_API_TOKEN)', process.env.OTPGATE_API_TOKEN)
    .option(
      '--timeout <seconds>',
      `give up when the server has not answered by then (at most ${MAX_TIMEOUT_SECONDS})`,
      parseSeconds,
      30,
    )
    .addHelpText('after', EXIT_HELP);

interface ClientFlags {
  url: string;
  token?: string;
  timeout: number;
}
const clientOptions = (flags: ClientFlags): ClientOptions => ({
  url: flags.url,
  token: flags.token,
  timeoutSeconds: flags.timeout,
});

program
  .command('serve')
  .description('run the HTTP service (config from the environment and OTPGATE_CONFIG)')
  .addHelpText('after', EXIT_HELP)
  .action(serve);

withClientOptions(
  program
    .command('send')
    .description('send a code to a number (or e-mail) through a running server')
    .argument('<to>', 'phone number in international format, or e-mail address')
    .option('--channel <channel>', 'sms | voice | whatsapp | email')
    .option('--purpose <purpose>', 'what the code is for', 'login')
    .option('--route <id>', 'pin a route id', parseInteger),
).action(async (to: string, opts: ClientFlags & { channel?: string; purpose: string; route?: number }) => {
  process.exitCode = await sendCode(clientOptions(opts), {
    to,
    purpose: opts.purpose,
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.route !== undefined ? { route_id: opts.route } : {}),
  });
});

withClientOptions(
  program
    .command('check')
    .description('check a code against a verification id through a running server (exit 0 only if approved)')
    .argument('<id>', 'verification id (ver_…)')
    .argument('<code>', 'the code the user received'),
).action(async (id: string, code: string, opts: ClientFlags) => {
  process.exitCode = await checkCode(clientOptions(opts), { id, code });
});

function parseInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('must be an integer');
  return parsed;
}

function parseSeconds(value: string): number {
  const parsed = Number(value);
  if (timeoutMilliseconds(parsed) === undefined) {
    throw new InvalidArgumentError(`must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS}`);
  }
  return parsed;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures (no server, bad URL, cannot listen) are one line; anything else is a bug.
  if (!(error instanceof CliError)) throw error;
  console.error(`otpgate: ${error.message}`);
  process.exit(error.exitCode);
}
