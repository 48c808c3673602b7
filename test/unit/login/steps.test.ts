import express from 'express';
import request from 'supertest';
import { CryptoRandom } from '../../../src/common';
import { sendStep } from '../../../src/login/login.module';
import { autoPostPageHtml } from '../../../src/login/pages';

describe('LoginStep form_post: an auto-submitting form under a per-response CSP nonce (SAML Bindings §3.5.4)', () => {
  const fields = { SAMLRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+', RelayState: '"><script>alert(1)</script>' };

  it('escapes every field and the action; the only script carries the nonce', () => {
    const html = autoPostPageHtml('https://idp.example/sso?a=1&b="2"', fields, 'n0nce');
    expect(html).toContain('action="https://idp.example/sso?a=1&amp;b=&quot;2&quot;"');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script nonce="n0nce">']);
    expect(html).toContain('<noscript><button type="submit">Continue</button></noscript>');
  });

  it('is served with script-src allowing exactly the nonce of its own script, fresh per response', async () => {
    const app = express();
    app.get('/step', (_req, res) => sendStep(res, { kind: 'form_post', action: 'https://idp.example/sso', fields }, new CryptoRandom()));
    const [a, b] = [await request(app).get('/step'), await request(app).get('/step')];
    for (const res of [a, b]) {
      const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers['content-security-policy'])?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(res.text).toContain(`<script nonce="${nonce}">`);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    }
    expect(a.headers['content-security-policy']).not.toBe(b.headers['content-security-policy']);
  });

  it('redirect steps are 303 See Other (RFC 9110 §15.4.4), so a POST never repeats upstream', async () => {
    const app = express();
    app.get('/step', (_req, res) => sendStep(res, { kind: 'redirect', url: 'https://idp.example/authorize?x=1' }, new CryptoRandom()));
    const res = await request(app).get('/step');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://idp.example/authorize?x=1');
  });
});
