import { runCli } from './dispatch';

/**
 * Entry point of the `tessera` command (bin/tessera.js requires the compiled file). Runs the
 * command table in ./dispatch.ts with the real process streams, environment and cwd, and sets
 * the exit code it returns. An unexpected error prints its message (not a stack) and exits 1.
 */
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
