import { BrokerError, ErrorCodes } from '../common';
import type { ProviderConfig } from '../config';
import type { AuthorizationRequest } from './types';

/**
 * Picks the upstream provider for a login (DESIGN.md §1 step 2). Pure.
 * 1. `idp_hint` names a provider: that one (an unknown name is an error, not a silent fallback).
 * 2. `prompt=select_account` (OIDC Core §3.1.2.1) without idp_hint: the user chooses, when there
 *    is anything to choose (two providers or more) — home realm does not decide for them.
 * 3. `login_hint` is an email whose domain a provider's `homeRealm.domains` lists: that one.
 * 4. Exactly one provider configured: that one.
 * 5. Otherwise undefined: the user chooses.
 * @throws BrokerError `login.provider_unknown` when idp_hint names no provider.
 */
export function selectProvider(
  providers: ReadonlyMap<string, ProviderConfig>,
  request: Pick<AuthorizationRequest, 'idpHint' | 'loginHint' | 'prompt'>,
): ProviderConfig | undefined {
  if (request.idpHint !== undefined) {
    const p = providers.get(request.idpHint);
    if (!p) throw new BrokerError(ErrorCodes.providerUnknown, 'idp_hint names no configured provider');
    return p;
  }
  if (providers.size > 1 && request.prompt?.split(' ').includes('select_account')) return undefined;
  const at = request.loginHint?.lastIndexOf('@') ?? -1;
  if (request.loginHint && at > 0) {
    const domain = request.loginHint.slice(at + 1).toLowerCase();
    const matches = [...providers.values()].filter((p) => p.homeRealm.domains.some((d) => d.toLowerCase() === domain));
    if (matches.length === 1) return matches[0];
  }
  return providers.size === 1 ? providers.values().next().value : undefined;
}
