/**
 * A tiny scripted "browser" for e2e tests: fetch with a cookie jar and manual redirects.
 *
 * Cookies (RFC 6265bis, simplified): kept per host:port (host-only; the Domain attribute is
 * ignored), Path matching, Max-Age / Expires (a past date or Max-Age <= 0 deletes), `Secure`
 * cookies only over https or on localhost / 127.0.0.1 / [::1] (as browsers treat those as
 * secure contexts), `__Host-` / `__Secure-` prefixes rejected without `Secure` (as browsers do),
 * and SameSite: Strict cookies are withheld on requests whose navigation chain left the site,
 * Lax (also the default) cookies are withheld on cross-site non-GET requests (a SAML POST back
 * from another site, for instance). "Site" here is scheme + host name (ports ignored; no
 * public-suffix list), so localhost:3000 and localhost:3001 are same-site, localhost and
 * 127.0.0.1 are not.
 */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number; // ms epoch; Infinity for session cookies
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'strict' | 'lax' | 'none';
}

/** Options of {@link Browser.follow}. */
export interface FollowOptions {
  /** Maximum number of requests made (default 20); exceeding it throws. */
  maxHops?: number;
  /** URL prefixes not to fetch: following stops when a redirect points to one of them. */
  stopAt?: string[];
  /** The first request's init (method, body, headers); redirects follow browser rules. */
  init?: RequestInit;
  /** URL of the page the navigation starts from (a form's page); default: typed URL (same-site). */
  initiator?: string;
}

/** Result of {@link Browser.follow}. */
export interface FollowResult {
  /** The last response fetched (a redirect when `stoppedAt` is set). */
  response: Response;
  /** URL of `response`. */
  url: string;
  /** Every URL fetched, in order. */
  visited: string[];
  /** The redirect target that matched `stopAt` and was not fetched. */
  stoppedAt?: string;
}

/** A form found in an HTML page. */
export interface ParsedForm {
  action: string;
  method: string;
  fields: Record<string, string>;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function siteOf(url: URL): string {
  const host = url.hostname;
  const isIp = /^[\d.]+$/.test(host) || host.startsWith('[');
  const labels = host.split('.');
  return `${url.protocol}//${isIp || labels.length <= 2 ? host : labels.slice(-2).join('.')}`;
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** Decodes the few HTML entities that appear in attribute values. */
function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

/**
 * Finds the forms of an HTML page (regex-based: enough for our own server-rendered pages).
 * `action` is resolved against `pageUrl`; `fields` holds input/textarea/select values by name
 * (hidden and pre-filled inputs included; submit buttons only when they carry a name and value).
 */
export function parseForms(html: string, pageUrl: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = `<form${m[1]}>`;
    const fields: Record<string, string> = {};
    for (const input of m[2].matchAll(/<(input|button)\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (!name) continue;
      const type = (attr(input[0], 'type') ?? (input[1].toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      if ((type === 'submit' || type === 'checkbox' || type === 'radio') && attr(input[0], 'value') === undefined) continue;
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(input[0])) continue;
      if (type === 'submit' && name in fields) continue;
      fields[name] = attr(input[0], 'value') ?? '';
    }
    for (const ta of m[2].matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(`<t${ta[1]}>`, 'name');
      if (name) fields[name] = decodeEntities(ta[2]);
    }
    forms.push({
      action: new URL(attr(open, 'action') || pageUrl, pageUrl).toString(),
      method: (attr(open, 'method') ?? 'get').toUpperCase(),
      fields,
    });
  }
  return forms;
}

/** Cookie-jar fetch driver; see the file comment for the cookie rules it models. */
export class Browser {
  private readonly jar = new Map<string, StoredCookie[]>();

  /**
   * fetch() with this browser's cookies, `redirect: 'manual'`; stores Set-Cookie from the response.
   * `initiator` is the URL of the page that caused the request (for SameSite); default same-site.
   */
  async fetch(url: string | URL, init: RequestInit & { initiator?: string; crossSite?: boolean } = {}): Promise<Response> {
    const target = new URL(url);
    const { initiator, crossSite: chainCrossSite, ...rest } = init;
    const method = (rest.method ?? 'GET').toUpperCase();
    const crossSite = chainCrossSite ?? (initiator !== undefined && siteOf(new URL(initiator)) !== siteOf(target));
    const headers = new Headers(rest.headers);
    const cookie = this.cookieHeader(target, { crossSite, method });
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...rest, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return response;
  }

  /**
   * Fetches `url` and follows redirects (Location, resolved relative to the current URL) like a
   * browser: 303 (and 301/302 after POST) become GET without body; 307/308 keep method and body.
   * Stops before fetching any URL that starts with a `stopAt` prefix.
   * @throws Error when more than `maxHops` requests would be needed.
   */
  async follow(url: string | URL, opts: FollowOptions = {}): Promise<FollowResult> {
    const maxHops = opts.maxHops ?? 20;
    const visited: string[] = [];
    let current = new URL(url).toString();
    let init: RequestInit = opts.init ?? {};
    const firstSite = siteOf(new URL(opts.initiator ?? current));
    let crossSite = false;
    let last: Response | undefined;
    for (;;) {
      const stop = opts.stopAt?.find((prefix) => current.startsWith(prefix));
      if (stop !== undefined && visited.length > 0) {
        return { response: last!, url: visited[visited.length - 1], visited, stoppedAt: current };
      }
      if (visited.length >= maxHops) throw new Error(`too many redirects (${maxHops}): ${visited.join(' -> ')}`);
      crossSite ||= siteOf(new URL(current)) !== firstSite;
      visited.push(current);
      const response = await this.fetch(current, { ...init, crossSite });
      last = response;
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        return { response, url: current, visited };
      }
      await response.arrayBuffer().catch(() => undefined);
      const method = (init.method ?? 'GET').toUpperCase();
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        init = {};
      }
      current = new URL(location, current).toString();
    }
  }

  /**
   * Submits `form` (from {@link parseForms}) with `values` overriding its fields, then follows
   * redirects. The form's page is the initiator (SameSite).
   */
  submit(form: ParsedForm, values: Record<string, string>, pageUrl: string, opts: Omit<FollowOptions, 'init' | 'initiator'> = {}): Promise<FollowResult> {
    const body = new URLSearchParams({ ...form.fields, ...values });
    if (form.method === 'GET') {
      const target = new URL(form.action);
      target.search = body.toString();
      return this.follow(target, { ...opts, initiator: pageUrl });
    }
    return this.follow(form.action, {
      ...opts,
      initiator: pageUrl,
      init: { method: form.method, body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    });
  }

  /** Cookies that would be sent to `url` on a same-site GET, as name → value. */
  cookies(url: string | URL): Record<string, string> {
    const target = new URL(url);
    return Object.fromEntries(this.matching(target, { crossSite: false, method: 'GET' }).map((c) => [c.name, c.value]));
  }

  /** Forgets every cookie (a fresh browser profile). */
  clearCookies(): void {
    this.jar.clear();
  }

  private matching(target: URL, ctx: { crossSite: boolean; method: string }): StoredCookie[] {
    const list = this.jar.get(target.host) ?? [];
    const now = Date.now();
    const secureContext = target.protocol === 'https:' || LOCAL_HOSTS.has(target.hostname);
    return list
      .filter((c) => c.expiresAt > now)
      .filter((c) => pathMatches(target.pathname, c.path))
      .filter((c) => !c.secure || secureContext)
      .filter((c) => !ctx.crossSite || c.sameSite === 'none' || (c.sameSite === 'lax' && ctx.method === 'GET'))
      .sort((a, b) => b.path.length - a.path.length);
  }

  private cookieHeader(target: URL, ctx: { crossSite: boolean; method: string }): string {
    return this.matching(target, ctx)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(target: URL, line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!name) return;
    const cookie: StoredCookie = {
      name, value, path: defaultPath(target), expiresAt: Infinity, secure: false, httpOnly: false, sameSite: 'lax',
    };
    let maxAgeSeen = false;
    for (const a of attrs) {
      const i = a.indexOf('=');
      const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? '' : a.slice(i + 1).trim();
      if (key === 'path' && val.startsWith('/')) cookie.path = val;
      else if (key === 'max-age' && /^-?\d+$/.test(val)) {
        maxAgeSeen = true;
        cookie.expiresAt = Number(val) <= 0 ? 0 : Date.now() + Number(val) * 1000;
      } else if (key === 'expires' && !maxAgeSeen) {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) cookie.expiresAt = t;
      } else if (key === 'secure') cookie.secure = true;
      else if (key === 'httponly') cookie.httpOnly = true;
      else if (key === 'samesite') {
        const v = val.toLowerCase();
        cookie.sameSite = v === 'strict' || v === 'none' ? v : 'lax';
      }
    }
    const secureContext = target.protocol === 'https:' || LOCAL_HOSTS.has(target.hostname);
    if (cookie.secure && !secureContext) return;
    if ((name.startsWith('__Secure-') || name.startsWith('__Host-')) && !cookie.secure) return;
    if (name.startsWith('__Host-') && cookie.path !== '/') return;
    if (cookie.sameSite === 'none' && !cookie.secure) return;
    const list = (this.jar.get(target.host) ?? []).filter((c) => !(c.name === name && c.path === cookie.path));
    if (cookie.expiresAt > Date.now()) list.push(cookie);
    this.jar.set(target.host, list);
  }
}
