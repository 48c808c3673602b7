import type { Provider } from '@nestjs/common';
import { AuthzenCallers } from '../authorization/authorization.module';
import { constantTimeEqual, sha256 } from '../common';
import type { ClientConfig } from '../config';
import { TokenService } from '../tokens/tokens.module';

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Binds authorization/'s {@link AuthzenCallers} port to the clients/ files and tokens/ (the
 * composition root may import both): HTTP Basic with a confidential client's id and secret
 * (RFC 7617, form-urlencoded per RFC 6749 §2.3.1, secret compared as SHA-256 in constant time),
 * or a Bearer access token Tessera issued by the client-credentials grant (`sub` = `client_id`).
 */
export function authzenCallersProvider(clients: ReadonlyMap<string, ClientConfig>): Provider {
  return {
    provide: AuthzenCallers,
    inject: [TokenService],
    useFactory: (tokens: TokenService): AuthzenCallers => ({
      async authenticate(header) {
        if (!header) return undefined;
        const basic = BASIC.exec(header);
        if (basic) {
          const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon < 0) return undefined;
          let id: string, secret: string;
          try {
            id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
            secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
          } catch {
            return undefined;
          }
          const client = clients.get(id);
          // Hash even for an unknown client, so the answer time does not tell clients apart.
          const ok = constantTimeEqual(sha256(secret), client?.clientSecretHash ?? sha256('')) && client?.type === 'confidential' && client.clientSecretHash !== undefined;
          return ok && client ? { clientId: client.id, authzen: client.authzen === true } : undefined;
        }
        const bearer = BEARER.exec(header);
        if (!bearer) return undefined;
        try {
          const claims = await tokens.verifyAccessToken(bearer[1]);
          const client = clients.get(claims.client_id);
          if (!client || claims.sub !== client.id) return undefined;
          return { clientId: client.id, authzen: client.authzen === true };
        } catch {
          return undefined;
        }
      },
    }),
  };
}
