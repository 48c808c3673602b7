/** Injection token of {@link ObservabilitySettings}. */
export const OBSERVABILITY_SETTINGS = Symbol('OBSERVABILITY_SETTINGS');

/** observability/'s settings slice (DESIGN.md §2). */
export interface ObservabilitySettings {
  /** SHA-256 (base64url) of TESSERA_METRICS_TOKEN; absent = /metrics open. */
  metricsTokenHash?: string;
  /** Protocol of each provider id (metrics labels). */
  providerProtocols: Record<string, string>;
}
