import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as samlify from 'samlify';
import { DEMO_USERS, type DemoUser } from './upstream-idp';
import { SAML_DEMO_IDP, type DemoKeyPair } from './saml-keys';

/**
 * A SAML 2.0 IdP for the demo and the tests: samlify in-process, the demo users (alice, bob,
 * carol with `<name>-password`). SP-initiated SSO: `GET /sso` (HTTP-Redirect AuthnRequest) shows
 * a login form; the Response goes back by HTTP-POST with the RelayState. IdP-initiated SSO:
 * `GET /idp-initiated` shows the same form and posts an unsolicited Response. `GET /metadata`
 * serves the IdP metadata. Not a product: no sessions at the IdP, no SLO.
 */

/** How the IdP signs and encrypts, for test variations. */
export interface SamlIdpOptions {
  port?: number;
  host?: string;
  /** The URL the IdP names itself by (default http://<host>:<port>). */
  publicUrl?: string;
  users?: readonly DemoUser[];
  signing?: DemoKeyPair;
  /** Sign the Assertion (default true). */
  signAssertion?: boolean;
  /** Sign the Response (default false). */
  signResponse?: boolean;
  /** Encrypt the assertion to this SP certificate. */
  encryptTo?: string;
  /** The AuthnContextClassRef of its assertions (default PasswordProtectedTransport). */
  authnContextClassRef?: string;
}

/** The Tessera SP this IdP answers. */
export interface SamlSp {
  entityId: string;
  acsUrl: string;
}

/** A running demo IdP. */
export interface RunningSamlIdp {
  /** `http://<host>:<port>` */
  url: string;
  entityId: string;
  ssoUrl: string;
  metadataXml: string;
  signingCert: string;
  /** Sets the SP (Tessera's entityID and ACS URL) the IdP answers. */
  setServiceProvider(sp: SamlSp): void;
  /** The AuthnRequests received at `/sso`, decoded XML, oldest first (tests read what the SP asked for). */
  authnRequests: string[];
  /** Builds a signed Response for `username` without the browser (tests): base64, as posted. */
  responseFor(username: string, opts?: { inResponseTo?: string }): Promise<string>;
  close(): Promise<void>;
}

samlify.setSchemaValidator({ validate: async () => 'skipped: the demo IdP builds its own messages' });

const ATTRIBUTE_STATEMENT = (u: DemoUser) =>
  '<saml:AttributeStatement>' +
  attribute('email', undefined, [u.email]) +
  attribute('name', undefined, [u.name]) +
  attribute('given_name', undefined, [u.givenName]) +
  attribute('family_name', undefined, [u.familyName]) +
  attribute('email_verified', undefined, [String(u.emailVerified)]) +
  attribute('groups', undefined, [...(u.groups ?? [])]) +
  attribute('urn:oid:0.9.2342.19200300.100.1.3', 'mail', [u.email]) +
  '</saml:AttributeStatement>';

function attribute(name: string, friendly: string | undefined, values: string[]): string {
  return (
    `<saml:Attribute Name="${esc(name)}"${friendly ? ` FriendlyName="${esc(friendly)}"` : ''} NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:${name.startsWith('urn:') ? 'uri' : 'basic'}">` +
    values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('') +
    '</saml:Attribute>'
  );
}

const ENCRYPTION = { dataEncryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm', keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p' };

const TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}"{InResponseToAttr}>' +
  '<saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="{Issuer}" SPNameQualifier="{Audience}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Destination}"{InResponseToAttr}/></saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{DemoAttributes}</saml:Assertion></samlp:Response>';

/** Starts the demo IdP. */
export async function startSamlIdp(opts: SamlIdpOptions = {}): Promise<RunningSamlIdp> {
  const users = opts.users ?? DEMO_USERS;
  const signing = opts.signing ?? SAML_DEMO_IDP;
  const host = opts.host ?? '127.0.0.1';
  const pending = new Map<string, { requestId?: string; relayState?: string }>();
  const authnRequests: string[] = [];
  let sp: SamlSp | undefined;
  let spEntity: ReturnType<typeof samlify.ServiceProvider> | undefined;
  let idp: ReturnType<typeof samlify.IdentityProvider>;
  let url = '';

  const makeIdp = () =>
    samlify.IdentityProvider({
      entityID: `${url}/metadata`,
      signingCert: signing.cert,
      privateKey: signing.key,
      singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${url}/sso` }],
      isAssertionEncrypted: opts.encryptTo !== undefined,
      // Read by samlify's encryptAssertion, missing from its settings type: AES-GCM and RSA-OAEP (CVES.md).
      ...(ENCRYPTION as object),
      loginResponseTemplate: { context: TEMPLATE, attributes: [] },
    });

  async function respond(user: DemoUser, requestId: string | undefined): Promise<string> {
    if (!spEntity || !sp) throw new Error('the demo SAML IdP has no SP configured');
    const target = sp;
    const now = Date.now();
    const { context } = await idp.createLoginResponse(spEntity, (requestId ? { extract: { request: { id: requestId } } } : { extract: {} }) as never, 'post', { email: user.email }, (template: string) => {
      const id = `_${randomBytes(16).toString('hex')}`;
      const values: Record<string, string> = {
        ID: id,
        AssertionID: `_${randomBytes(16).toString('hex')}`,
        IssueInstant: new Date(now).toISOString(),
        NotBefore: new Date(now - 1000).toISOString(),
        NotOnOrAfter: new Date(now + 5 * 60_000).toISOString(),
        Destination: target.acsUrl,
        Issuer: `${url}/metadata`,
        Audience: target.entityId,
        NameID: `saml-${user.sub}`,
        SessionIndex: `_sx${randomBytes(8).toString('hex')}`,
        InResponseToAttr: requestId ? ` InResponseTo="${esc(requestId)}"` : '',
        DemoAttributes: ATTRIBUTE_STATEMENT(user),
        AuthnContextClassRef: opts.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      };
      return { id, context: template.replace(/\{(\w+)\}/g, (_m, k: string) => (k in values ? (k === 'DemoAttributes' || k === 'InResponseToAttr' ? values[k] : esc(values[k])) : _m)) };
    });
    return context;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.statusCode = 500;
      res.end(`demo SAML IdP error: ${err.message}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    if (req.method === 'GET' && u.pathname === '/metadata') {
      res.setHeader('content-type', 'application/samlmetadata+xml');
      res.end(idp.getMetadata());
      return;
    }
    if (req.method === 'GET' && (u.pathname === '/sso' || u.pathname === '/idp-initiated')) {
      const token = randomBytes(16).toString('hex');
      let requestId: string | undefined;
      if (u.pathname === '/sso') {
        if (!spEntity) throw new Error('no SP configured');
        const parsed = await idp.parseLoginRequest(spEntity, 'redirect', { query: Object.fromEntries(u.searchParams) });
        authnRequests.push(parsed.samlContent);
        const id = parsed.extract.request?.id;
        requestId = Array.isArray(id) ? id[0] : id;
      }
      pending.set(token, { requestId, relayState: u.searchParams.get('RelayState') ?? undefined });
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><title>Demo SAML IdP</title><h1>Demo SAML IdP</h1><form method="post" action="/login">` +
          `<input type="hidden" name="token" value="${token}"><label>Username <input name="username"></label>` +
          `<label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>`,
      );
      return;
    }
    if (req.method === 'POST' && u.pathname === '/login') {
      const form = new URLSearchParams(await body(req));
      const p = pending.get(form.get('token') ?? '');
      const user = users.find((x) => x.username === form.get('username') && x.password === form.get('password'));
      if (!p || !user) {
        res.statusCode = 401;
        res.end('unknown login or wrong username/password');
        return;
      }
      pending.delete(form.get('token') ?? '');
      const samlResponse = await respond(user, p.requestId);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><title>Continue</title><form method="post" action="${esc(sp!.acsUrl)}">` +
          `<input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}">` +
          (p.relayState ? `<input type="hidden" name="RelayState" value="${esc(p.relayState)}">` : '') +
          `<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>`,
      );
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  url = opts.publicUrl ?? `http://${host}:${(server.address() as AddressInfo).port}`;
  idp = makeIdp();
  return {
    url,
    entityId: `${url}/metadata`,
    ssoUrl: `${url}/sso`,
    metadataXml: idp.getMetadata(),
    signingCert: signing.cert,
    authnRequests,
    setServiceProvider(next: SamlSp) {
      sp = next;
      spEntity = samlify.ServiceProvider({
        entityID: next.entityId,
        assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: next.acsUrl }],
        wantAssertionsSigned: opts.signAssertion !== false,
        wantMessageSigned: opts.signResponse === true,
        ...(opts.encryptTo ? { encryptCert: opts.encryptTo } : {}),
      });
    },
    async responseFor(username: string, o: { inResponseTo?: string } = {}) {
      const user = users.find((x) => x.username === username);
      if (!user) throw new Error(`no demo user ${username}`);
      return respond(user, o.inResponseTo);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
      if (data.length > 64 * 1024) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
