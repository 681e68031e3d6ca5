import { Command, InvalidArgumentError } from 'commander';
import { OTPGATE_VERSION } from '../version.js';
import { serve } from './serve.js';
import { callApi } from './client.js';

const program = new Command();
program.name('otpgate').description('Self-hosted OTP verification gateway').version(OTPGATE_VERSION);

const defaultUrl =
  process.env.OTPGATE_URL ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '8080'}`;
const withClientOptions = (command: Command) =>
  command
    .option('--url <url>', 'base URL of a running otpgate', defaultUrl)
    .option('--token <token>', 'API token (or OTPGATE_API_TOKEN)', process.env.OTPGATE_API_TOKEN);

program
  .command('serve')
  .description('run the HTTP service (config from the environment and OTPGATE_CONFIG)')
  .action(serve);

withClientOptions(
  program
    .command('send')
    .description('send a code to a number (or e-mail) through a running server')
    .argument('<to>', 'phone number in international format, or e-mail address')
    .option('--channel <channel>', 'sms | voice | whatsapp | email')
    .option('--purpose <purpose>', 'what the code is for', 'login')
    .option('--route <id>', 'pin a route id', parseInteger),
).action(
  async (
    to: string,
    opts: { url: string; token?: string; channel?: string; purpose: string; route?: number },
  ) => {
    process.exitCode = await callApi({ url: opts.url, token: opts.token }, '/v1/verifications', {
      to,
      purpose: opts.purpose,
      ...(opts.channel ? { channel: opts.channel } : {}),
      ...(opts.route !== undefined ? { route_id: opts.route } : {}),
    });
  },
);

withClientOptions(
  program
    .command('check')
    .description('check a code against a verification id through a running server')
    .argument('<id>', 'verification id (ver_…)')
    .argument('<code>', 'the code the user received'),
).action(async (id: string, code: string, opts: { url: string; token?: string }) => {
  process.exitCode = await callApi({ url: opts.url, token: opts.token }, '/v1/verifications/check', {
    id,
    code,
  });
});

function parseInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('must be an integer');
  return parsed;
}

await program.parseAsync(process.argv);
