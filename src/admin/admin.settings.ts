/**
 * The settings slice of admin/ (DESIGN.md §2), provided by the composition root only when
 * TESSERA_ADMIN_TOKEN is set: without it there is no admin API at all.
 */
export interface AdminSettings {
  /** SHA-256 (base64url) of the admin bearer token; the token itself is never kept. */
  tokenHash: string;
  /** Clients whose files allow the `tessera:admin` scope: only their access tokens may reach the admin API. */
  adminClients?: string[];
}

/** Injection token of {@link AdminSettings}. */
export const ADMIN_SETTINGS = 'ADMIN_SETTINGS';
