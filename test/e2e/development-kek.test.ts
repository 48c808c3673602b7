/**
 * Without TESSERA_KEK the broker starts on the public development key and says so loudly.
 * In a file of its own: nestjs-pino keeps one logger per process, so the captured log must
 * belong to the first app this file starts.
 */
import { join, resolve } from 'node:path';
import { startTessera } from '../../src/bootstrap';

jest.setTimeout(60_000);

const REPO = resolve(__dirname, '../..');

it('without TESSERA_KEK it starts on the development key and warns loudly', async () => {
  const lines: string[] = [];
  const tessera = await startTessera({
    port: 0,
    host: '127.0.0.1',
    env: {
      TESSERA_PROVIDERS_DIR: join(REPO, 'providers'),
      TESSERA_CLIENTS_DIR: join(REPO, 'clients'),
      DEMO_UPSTREAM_CLIENT_SECRET: 'x',
      DEMO_APP_CLIENT_SECRET: 'y',
      DEMO_APP2_CLIENT_SECRET: 'z',
      TESSERA_DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
    },
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  try {
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /TESSERA_KEK/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, msg: expect.stringMatching(/TESSERA_KEK is not set.*PUBLIC DEVELOPMENT KEY.*Never run like this in production/) });
  } finally {
    await tessera.close();
  }
});
