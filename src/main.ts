import 'reflect-metadata';
import { startTessera } from './bootstrap';
import { ConfigError } from './config';

/**
 * `npm start`: runs the broker with the settings of the environment. Invalid configuration
 * prints every problem (file: field: reason) and exits 1 before anything listens.
 */
async function main(): Promise<void> {
  try {
    const running = await startTessera();
    const stop = () => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Tessera refuses to start: ${err.message}\n`);
    } else {
      process.stderr.write(`Tessera failed to start: ${(err as Error)?.message ?? String(err)}\n`);
    }
    process.exit(1);
  }
}

void main();
