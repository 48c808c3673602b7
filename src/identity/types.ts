/**
 * The two value types that cross the connector → identity → linking boundary (DESIGN.md §3).
 * Nothing downstream of a connector ever sees a protocol object.
 */

/** Authentication facts reported by the upstream IdP. */
export interface AuthnFacts {
  /** When the user authenticated at the IdP (OIDC auth_time, SAML AuthnInstant). */
  authTime?: Date;
  /** OIDC acr / SAML AuthnContextClassRef. */
  acr?: string;
  /** OIDC amr (RFC 8176 values). */
  amr?: string[];
  /** Upstream session index (SAML SessionIndex) or OIDC sid. */
  upstreamSessionId?: string;
}

/** What every connector returns after validating an upstream answer. */
export interface UpstreamAssertion {
  /** Stable provider id = file stem in providers/. */
  providerId: string;
  /** OIDC iss / SAML IdP entityID, already checked against the provider's configuration. */
  issuer: string;
  /** Immutable subject: OIDC sub (or the configured claim), SAML persistent NameID (or attribute). */
  subject: string;
  subjectFormat?: string;
  /** Raw attributes/claims; every value is a list; an absent key means "not sent". */
  attributes: Record<string, (string | null)[]>;
  authn: AuthnFacts;
  initiatedBy: 'sp' | 'idp';
}

/** The one internal shape of a federated user, whatever protocol brought it. */
export interface CanonicalIdentity {
  providerId: string;
  issuer: string;
  /** The linking key together with providerId; never the email. */
  subject: string;
  email?: string;
  emailVerified: boolean | 'unknown';
  name?: string;
  givenName?: string;
  familyName?: string;
  preferredUsername?: string;
  /** Namespaced `<providerId>:<group>`. */
  groups: string[];
  attributes: Record<string, unknown>;
  authn: AuthnFacts;
}
