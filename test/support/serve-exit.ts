import { spawn, type ChildProcess } from 'node:child_process';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/**
 * Runs `otpgate serve` with only `env` (plus PATH, and PORT 0 unless given) until it exits, for the
 * start-up failures: its exit status and what it wrote to stderr. The child goes into `children`
 * so the suite's afterEach can kill it should it start after all.
 */
export function serveExit(
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}
