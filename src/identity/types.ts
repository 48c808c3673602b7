/**
 * The value types that cross the connector → identity → linking boundary (DESIGN.md §3), and the
 * draft that flows between the mapping steps inside identity/ (DESIGN.md §1 step 5).
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
  /**
   * What the connector needs to address this upstream session again at logout, opaque to
   * everything else (SAML: the NameID as issued — value, Format, NameQualifier, SPNameQualifier;
   * B12). Stored with the broker session; an IdP's logout must name it exactly (B39).
   */
  upstreamLogout?: Record<string, string>;
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
  /** SAML: the FriendlyName sent with an attribute, keyed by its Name (absent for OIDC). */
  friendlyNames?: Record<string, string>;
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
  /** Declared extras the authorization module may read (`visibleToAuthorization: true`). */
  authorizationAttributes?: readonly string[];
  /**
   * Authentication assurance on the canonical scale (NIST SP 800-63B), from acr/amr/
   * AuthnContextClassRef; always set by `mapIdentity` (absent only in hand-built values = aal1).
   */
  assurance?: Assurance;
  authn: AuthnFacts;
}

/** Authenticator assurance levels (NIST SP 800-63B §4), the one canonical scale of `acr`. */
export type Assurance = 'aal1' | 'aal2' | 'aal3';

/** The ordering of {@link Assurance} levels. */
export const ASSURANCE_RANK: Readonly<Record<Assurance, number>> = { aal1: 1, aal2: 2, aal3: 3 };

/**
 * The redacted record of one mapping (issue 10 item 7): attribute names and value counts, each
 * field's outcome, the condition. Never a value.
 */
export interface MappingTrace {
  /** Attribute name → number of values sent. */
  attributes: Record<string, number>;
  preset?: string;
  steps: Array<{ field: string; outcome: 'mapped' | 'absent' | 'cardinality' | 'dropped'; count?: number; reason?: string }>;
  condition?: 'held' | 'failed' | 'error';
  emailVerified?: boolean | 'unknown';
  assurance?: Assurance;
  error?: string;
}

/**
 * What an extraction step (the standard OIDC claims today; CEL mappings and vendor presets later)
 * makes of an assertion, before the trust step and group namespacing (issue 5 item 6).
 *
 * By construction it cannot say an address is verified: there is no `emailVerified` here, only
 * the IdP's own word ({@link IdentityDraft.emailVerifiedClaim}), which only the trust step
 * (`applyTrust`) turns into a verdict. Neither does it carry the provider id, issuer or
 * authentication facts: those come from the connector's assertion, never from a mapping.
 */
export interface IdentityDraft {
  /** The immutable subject (non-blank; the linking key with the provider id). */
  readonly subject: string;
  /** A normalized addr-spec (see `normalizeEmail`), or undefined when none usable was sent. */
  readonly email?: string;
  /**
   * The IdP's `email_verified` values as sent, null and "" removed; `[]` = not sent. Raw words
   * ("true", "false", anything else), never interpreted here.
   */
  readonly emailVerifiedClaim: readonly string[];
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly preferredUsername?: string;
  /** Group names as the IdP sent them, NOT namespaced (null and "" removed, order kept). */
  readonly groups: readonly string[];
  /** Mapped extras declared in the provider file (none from the standard claims). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A draft after the trust step: the IdP's word on verification replaced by the verdict. */
export type TrustedDraft = Omit<IdentityDraft, 'emailVerifiedClaim'> & {
  /** true only when the trust settings let this IdP vouch for this address (see `applyTrust`). */
  readonly emailVerified: boolean | 'unknown';
};
