import { BrokerError, ErrorCodes } from '../common';
import type { ProviderConfig } from '../config';
import type { AuthorizationRequest } from './types';

/**
 * Picks the upstream provider for a login (DESIGN.md §1 step 2). Pure.
 * 1. `idp_hint` names a provider: that one (an unknown name is an error, not a silent fallback).
 * 2. `login_hint` is an email whose domain a provider's `homeRealm.domains` lists: that one.
 * 3. Exactly one provider configured: that one.
 * 4. Otherwise undefined: the user chooses.
 * @throws BrokerError `login.provider_unknown` when idp_hint names no provider.
 */
export function selectProvider(
  providers: ReadonlyMap<string, ProviderConfig>,
  request: Pick<AuthorizationRequest, 'idpHint' | 'loginHint'>,
): ProviderConfig | undefined {
  if (request.idpHint !== undefined) {
    const p = providers.get(request.idpHint);
    if (!p) throw new BrokerError(ErrorCodes.providerUnknown, 'idp_hint names no configured provider');
    return p;
  }
  const at = request.loginHint?.lastIndexOf('@') ?? -1;
  if (request.loginHint && at > 0) {
    const domain = request.loginHint.slice(at + 1).toLowerCase();
    const matches = [...providers.values()].filter((p) => p.homeRealm.domains.some((d) => d.toLowerCase() === domain));
    if (matches.length === 1) return matches[0];
  }
  return providers.size === 1 ? providers.values().next().value : undefined;
}
