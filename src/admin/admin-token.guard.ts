import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AuditSink } from '../audit/audit.module';
import { AuthorizationService } from '../authorization/authorization.module';
import { BrokerError, constantTimeEqual, sha256 } from '../common';
import { TokenService } from '../tokens/tokens.module';
import { ADMIN_SETTINGS, type AdminSettings } from './admin.settings';

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** The scope an access token needs for the admin API (issue 11 item 7). */
export const ADMIN_SCOPE = 'tessera:admin';

/**
 * The admin API's authentication and authorization (issue 11 item 7), `Authorization: Bearer`
 * (RFC 6750 §2.1) with either
 * - a Tessera access token (RFC 9068) with scope `tessera:admin`, issued to a client allowed that
 *   scope, for a principal (not a client acting for itself) whom the policies permit
 *   `Action::"manage"` on `AdminApi::"<area>"` (the first path segment after /admin/v1/); or
 * - the bootstrap `TESSERA_ADMIN_TOKEN`, compared as SHA-256 in constant time, for first setup
 *   only: each use is logged as a warning and audited.
 * @throws BrokerError `admin.unauthorized` (401) for a missing, malformed or unknown token;
 *   `authz.admin_denied` (403) for a valid token whose client, scope or principal may not.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly log = new Logger('admin');

  constructor(
    @Inject(ADMIN_SETTINGS) private readonly settings: AdminSettings,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization;
    if (adminTokenMatches(header, this.settings.tokenHash)) {
      this.log.warn({ msg: 'ADMIN API USED WITH THE BOOTSTRAP TESSERA_ADMIN_TOKEN: use it for first setup only, then a tessera:admin access token', method: req.method, path: req.path });
      await this.audit.record({ type: 'admin.bootstrap_token_used', outcome: 'info', details: { method: req.method, path: req.path } });
      return true;
    }
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (!token) throw new BrokerError('admin.unauthorized', header ? 'malformed admin bearer token' : 'no admin bearer token');
    let claims;
    try {
      claims = await this.tokens.verifyAccessToken(token);
    } catch {
      throw new BrokerError('admin.unauthorized', 'wrong or malformed admin bearer token');
    }
    const area = /^\/admin\/v1\/([^/]+)/.exec(req.path)?.[1] ?? 'admin';
    const scoped = claims.scope.split(' ').includes(ADMIN_SCOPE) && (this.settings.adminClients ?? []).includes(claims.client_id);
    const forPrincipal = claims.sub !== claims.client_id;
    const result = scoped && forPrincipal ? await this.authorization.evaluate({ principalId: claims.sub, action: 'manage', resource: { type: 'AdminApi', id: area } }) : undefined;
    await this.audit.record({
      type: 'admin.access',
      outcome: result?.decision ? 'success' : 'failure',
      reason: result?.decision ? 'permitted' : 'authz.admin_denied',
      principalId: forPrincipal ? claims.sub : undefined,
      clientId: claims.client_id,
      details: { method: req.method, path: req.path, scoped, policies: result?.policies ?? [], why: result?.reasons[0] ?? (scoped ? 'client_token' : 'scope') },
    });
    if (!result?.decision) throw new BrokerError('authz.admin_denied', `${claims.client_id}/${claims.sub} may not manage ${area}`);
    return true;
  }
}

/**
 * True when the Authorization header value carries the bearer token whose SHA-256 (base64url) is
 * `tokenHash`. Compares digests in constant time; a missing or malformed header is false.
 */
export function adminTokenMatches(header: string | undefined, tokenHash: string): boolean {
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  // Hash a fixed value when there is no token, so every refusal costs the same work.
  return constantTimeEqual(sha256(token ?? ''), tokenHash) && token !== undefined;
}
