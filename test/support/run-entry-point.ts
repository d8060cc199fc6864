import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface EntryPointResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnEntryPoint(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(ROOT, entry), ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        ...env,
      },
    },
  );
}

/**
 * Runs an entry point (e.g. `apps/cli/main.ts`) from source in a child process to its end, as an
 * operator runs the built one: its own environment, its exit code, its output.
 */
export function runEntryPoint(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<EntryPointResult> {
  return new Promise((resolve, reject) => {
    const child = spawnEntryPoint(entry, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningEntryPoint {
  output(): string;
  /** Resolves once the output matches, rejects if the process ends or time runs out first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Whether the process has ended (on its own, or killed). */
  hasExited(): boolean;
}

/** Starts a long-running entry point (the API, the worker, `npm start`) in a child process. */
export function startEntryPoint(entry: string, env: Record<string, string>): RunningEntryPoint {
  const child = spawnEntryPoint(entry, [], env);
  let output = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (pattern.test(output)) {
            clearInterval(poll);
            resolve();
          } else if (exitCode !== undefined || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`never printed ${pattern} (exit ${String(exitCode)}):\n${output.slice(-2000)}`));
          }
        }, 50);
      }),
    hasExited: () => exitCode !== undefined,
    stop: (signal = 'SIGTERM') => {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
