import type { ClientConfig } from '../config';

/** The settings slice of issuer/ (DESIGN.md §2), provided by the composition root. */
export interface IssuerSettings {
  /** Tessera's public base URL, no trailing slash: `iss` of every token and response. */
  issuer: string;
  /** The issuer is https: cookies get `__Host-` and `Secure`. Computed once by config. */
  https: boolean;
  /** Seconds an authorization code lives (RFC 6749 §4.1.2: at most 10 minutes recommended). */
  authorizationCodeTtlSeconds: number;
  /** The registered apps, by client_id. */
  clients: ReadonlyMap<string, ClientConfig>;
}

/** Injection token of {@link IssuerSettings}. */
export const ISSUER_SETTINGS = 'ISSUER_SETTINGS';
