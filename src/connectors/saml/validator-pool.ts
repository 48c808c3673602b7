import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { validateResponse, type ResponseInput, type ResponseSettings, type ResponseVerdict } from './validate-response';

/**
 * Where SAML responses are validated (issue 9 item 8): a piscina pool of worker threads sized to
 * the cores, so XML canonicalisation, RSA and decryption never stall the event loop that serves
 * other requests. The worker is the compiled `validate.worker.js`; when Tessera runs from
 * TypeScript sources (jest), there is no compiled worker and validation runs in-process — same
 * function, same verdicts.
 */
export interface ResponseValidator {
  validate(settings: ResponseSettings, input: ResponseInput): Promise<ResponseVerdict>;
  close(): Promise<void>;
}

/** In-process validation (tests from sources, `tessera inspect saml`). */
export const INLINE_VALIDATOR: ResponseValidator = {
  validate: validateResponse,
  close: async () => undefined,
};

let shared: { pool: Piscina; users: number } | undefined;

/**
 * The process-wide pool (one per process, shared by every SAML provider), or the inline
 * validator when no compiled worker exists next to this file.
 */
export function acquireValidator(): ResponseValidator {
  const worker = path.join(__dirname, 'validate.worker.js');
  if (!existsSync(worker)) return INLINE_VALIDATOR;
  shared ??= { pool: new Piscina({ filename: worker, maxThreads: Math.max(1, availableParallelism()), idleTimeout: 30_000 }), users: 0 };
  shared.users++;
  const pool = shared.pool;
  return {
    validate: (settings, input) => pool.run({ settings, input }) as Promise<ResponseVerdict>,
    close: async () => {
      if (shared && --shared.users === 0) {
        const p = shared.pool;
        shared = undefined;
        await p.destroy();
      }
    },
  };
}
