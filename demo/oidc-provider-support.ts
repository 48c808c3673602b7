/**
 * oidc-provider plumbing for the demo upstream IdP (demo/upstream-idp.ts): loading the ESM-only
 * package from CommonJS, and a per-provider in-memory storage adapter.
 */

/** Loads oidc-provider (ESM-only) quietly: it warns "Unsupported runtime" on Node 20, which is expected. */
export async function loadOidcProvider(): Promise<any> {
  // A non-literal specifier: oidc-provider ships no type declarations. tsc (nodenext, CJS output)
  // keeps import() as a real dynamic import; under jest, swc turns it into a require() that jest
  // transforms.
  const specifier = 'oidc-provider';
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
    warn.apply(console, args);
  };
  try {
    const mod = await import(specifier);
    // The named export: `default.default` would be Koa's own ESM-interop getter (Provider extends Koa).
    return mod.Provider ?? mod.default;
  } finally {
    console.warn = warn;
  }
}

/**
 * A small per-provider in-memory storage adapter (oidc-provider's Adapter interface). Used instead
 * of the built-in one, which logs a warning and shares one module-global store between providers.
 */
export function memoryAdapterFactory(): (model: string) => unknown {
  const store = new Map<string, { payload: any; expiresAt: number }>();
  const grants = new Map<string, Set<string>>();
  const grantable = new Set([
    'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest',
  ]);
  const get = (key: string): any => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return (model: string) => ({
    async upsert(id: string, payload: any, expiresIn?: number) {
      const key = `${model}:${id}`;
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
      if (model === 'Session') store.set(`sessionUid:${payload.uid}`, { payload: id, expiresAt });
      if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expiresAt });
      if (grantable.has(model) && payload.grantId) {
        const members = grants.get(payload.grantId) ?? new Set<string>();
        members.add(key);
        grants.set(payload.grantId, members);
      }
      store.set(key, { payload, expiresAt });
    },
    async find(id: string) {
      return get(`${model}:${id}`);
    },
    async findByUid(uid: string) {
      const id = get(`sessionUid:${uid}`);
      return id === undefined ? undefined : get(`${model}:${id}`);
    },
    async findByUserCode(userCode: string) {
      const id = get(`userCode:${userCode}`);
      return id === undefined ? undefined : get(`${model}:${id}`);
    },
    async consume(id: string) {
      const payload = get(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const key of grants.get(grantId) ?? []) store.delete(key);
      grants.delete(grantId);
    },
  });
}
