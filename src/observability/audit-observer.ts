import type { AuditedEvent } from '../audit/audit.module';
import type { TesseraMetrics } from './metrics';
import { recordStepSpan } from './tracing';

/**
 * Derives the business metrics and the login-step spans from audit events (issue 13 items 2–3),
 * so no other module carries metrics or tracing code. The mapping, by event type:
 * - `authorize.code_issued` → a successful login (`tessera_logins_total{outcome="success"}`);
 *   `login.failed`, a failed `login.ended`, a failed `upstream.callback` → a failed login with its code;
 * - `token.issued` → `tessera_token_grants_total{grant_type, client}`; `token.refused` → refusals;
 * - `token.refresh_reused` → `tessera_refresh_reuse_detected_total`;
 * - `logout.backchannel_delivered` / `logout.backchannel_failed` → deliveries by outcome;
 * - `token.revocation_applied` with `details.lagSeconds` → the propagation lag histogram;
 * - every event → a `tessera.<type>` span under the request's span.
 * @param protocolOf the protocol (`oidc`, `saml`) of a provider id, from the providers files.
 */
export function auditObserver(metrics: TesseraMetrics, protocolOf: (providerId: string) => string | undefined): (e: AuditedEvent) => void {
  return (e) => {
    const provider = e.providerId ?? 'none';
    const protocol = (e.providerId && protocolOf(e.providerId)) || 'none';
    const client = e.clientId ?? 'none';
    switch (e.type) {
      case 'authorize.code_issued':
        metrics.logins.inc({ provider, protocol, outcome: 'success', code: '' });
        break;
      case 'login.failed':
      case 'login.ended':
      case 'upstream.callback':
        if (e.outcome === 'failure') metrics.logins.inc({ provider, protocol, outcome: 'failure', code: e.reason ?? 'unknown' });
        break;
      case 'token.issued':
        metrics.tokenGrants.inc({ grant_type: typeof e.details?.grant_type === 'string' ? e.details.grant_type : 'unknown', client });
        break;
      case 'token.refused':
        metrics.tokenRefusals.inc({ client, code: e.reason ?? 'unknown' });
        break;
      case 'token.refresh_reused':
        metrics.refreshReuse.inc({ client });
        break;
      case 'logout.backchannel_delivered':
        metrics.backchannel.inc({ client, outcome: 'delivered' });
        break;
      case 'logout.backchannel_failed':
        metrics.backchannel.inc({ client, outcome: 'failed' });
        break;
      case 'token.revocation_applied':
        if (typeof e.details?.lagSeconds === 'number') metrics.revocationLag.observe(e.details.lagSeconds);
        break;
    }
    recordStepSpan(e.type, { provider: e.providerId, client: e.clientId, outcome: e.outcome, reason: e.reason }, new Date());
  };
}
