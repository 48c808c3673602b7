import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { BrokerError, constantTimeEqual, sha256 } from '../common';
import { ADMIN_SETTINGS, type AdminSettings } from './admin.settings';

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The admin API's only authentication: `Authorization: Bearer <TESSERA_ADMIN_TOKEN>` (RFC 6750
 * §2.1). The presented token is hashed and compared in constant time with the stored SHA-256, so
 * neither the token nor how much of it matched leaks through timing.
 * @throws BrokerError `admin.unauthorized` (401) when the header is missing, malformed or wrong.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_SETTINGS) private readonly settings: AdminSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!adminTokenMatches(header, this.settings.tokenHash)) {
      throw new BrokerError('admin.unauthorized', header ? 'wrong or malformed admin bearer token' : 'no admin bearer token');
    }
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
