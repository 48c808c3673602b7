import { All, Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { refuseMethod } from '../common';
import { JWKS_MAX_AGE_SECONDS, KeyStore } from '../tokens/tokens.module';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';

/** OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414) and the JWKS (RFC 7517). */
@Controller()
export class DiscoveryController {
  constructor(
    @Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings,
    @Inject(KeyStore) private readonly keys: KeyStore,
  ) {}

  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): Record<string, unknown> {
    const iss = this.settings.issuer;
    const scopes = new Set<string>(['openid']);
    for (const c of this.settings.clients.values()) c.scopes.forEach((s) => scopes.add(s));
    return {
      issuer: iss,
      authorization_endpoint: `${iss}/oauth2/authorize`,
      token_endpoint: `${iss}/oauth2/token`,
      userinfo_endpoint: `${iss}/oauth2/userinfo`,
      jwks_uri: `${iss}/oauth2/jwks`,
      // OpenID Connect RP-Initiated Logout 1.0 §2.1; Back-Channel Logout 1.0 §2.1.
      end_session_endpoint: `${iss}/oauth2/logout`,
      // RFC 7009 §2, RFC 7662 §2 (metadata per RFC 8414 §2).
      revocation_endpoint: `${iss}/oauth2/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint: `${iss}/oauth2/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      frontchannel_logout_supported: false,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: [...new Set([...this.settings.clients.values()].flatMap((c) => c.grantTypes as string[]).concat('authorization_code'))],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: [...scopes],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'sid', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'updated_at', 'roles'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: ['none', 'login', 'select_account'],
    };
  }

  /** The JWKS: next, active and still-published retired keys (B48); cached at most JWKS_MAX_AGE_SECONDS, shorter than the pre-publication. */
  @Get('oauth2/jwks')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @Header('Content-Type', 'application/jwk-set+json')
  jwks(): { keys: unknown[] } {
    return this.keys.jwks();
  }

  /** Any other method on the metadata or the JWKS: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All(['.well-known/openid-configuration', 'oauth2/jwks'])
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}
