/**
 * Redirect URI matching (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3: exact string comparison), with the
 * one exception RFC 8252 §7.3 makes for native apps: for an `http` redirect URI on a loopback IP
 * literal (127.0.0.1 or [::1]; never `localhost`, §8.3), the port is not compared, because the app
 * picks a free port when it runs. Everything else — scheme, host, path, query — must still be
 * identical, character for character. Pure.
 */

const LOOPBACK_LITERALS = new Set(['127.0.0.1', '[::1]']);
/** `http://<loopback literal>[:port]<rest>`: the parts compared when the port is not. */
const LOOPBACK_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?][^#]*)?$/;

/**
 * True when `requested` is acceptable for the registered URI `registered`.
 * @param requested the redirect_uri of an authorization request, as sent.
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const r = LOOPBACK_URI.exec(registered);
  const q = LOOPBACK_URI.exec(requested);
  if (!r || !q || !LOOPBACK_LITERALS.has(r[1]) || r[1] !== q[1]) return false;
  if (q[2] !== undefined && (Number(q[2]) < 1 || Number(q[2]) > 65535 || /^0/.test(q[2]))) return false;
  return (r[3] ?? '') === (q[3] ?? '');
}

/** The registered URI `requested` matches, or undefined (see {@link redirectUriMatches}). */
export function findRedirectUri(registered: readonly string[], requested: string): string | undefined {
  return registered.find((uri) => redirectUriMatches(uri, requested));
}
