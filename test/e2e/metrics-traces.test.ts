/**
 * Issue 13 items 2, 3, 9: after one real login (oidc-provider upstream, openid-client app),
 * /metrics (scraped over HTTP, behind TESSERA_METRICS_TOKEN) shows the login, the token grant,
 * HTTP durations by route and the database pool; the in-memory exporter holds the login's spans
 * (one trace per request, a span per audited step, and spans of their own for mapping and
 * authorization); log lines carry the request id and the
 * trace id; an error page's reference is its trace id.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import * as oidc from 'openid-client';
import { startTracing } from '../../src/observability/observability.module';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const exporter = new InMemorySpanExporter();
// Before any Tessera starts in this process: the first start of tracing decides the exporter.
startTracing({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

describe('metrics, traces and log correlation after a real login (issue 13 items 2, 3, 9)', () => {
  let h: Harness;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    h = await startHarness({
      env: { TESSERA_METRICS_TOKEN: METRICS_TOKEN },
      log: { level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } },
    });
    exporter.reset();
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const done = await signIn(new Browser(), request.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT]);
    await oidc.authorizationCodeGrant(h.app, done.stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('RFC 6750 §3: /metrics needs the bearer token when TESSERA_METRICS_TOKEN is set', async () => {
    const none = await fetch(`${h.issuer}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${h.issuer}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('Prometheus text: logins by provider/protocol/outcome/code, token grants by type and client, HTTP durations by route, pool use and query errors', async () => {
    const res = await fetch(`${h.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('tessera_logins_total{provider="upstream",protocol="oidc",outcome="success",code=""} 1');
    expect(text).toContain('tessera_token_grants_total{grant_type="authorization_code",client="app"} 1');
    expect(text).toMatch(/tessera_http_request_duration_seconds_count\{method="GET",route="\/oauth2\/authorize",status="30[23]"\} 1/);
    expect(text).toMatch(/tessera_http_request_duration_seconds_count\{method="POST",route="\/oauth2\/token",status="200"\} 1/);
    expect(text).toMatch(/tessera_db_pool_connections\{state="total"\} [1-9]/);
    expect(text).toMatch(/^tessera_db_query_errors_total \d+$/m);
    for (const name of ['tessera_refresh_reuse_detected_total', 'tessera_backchannel_logout_deliveries_total', 'tessera_revocation_propagation_lag_seconds', 'tessera_token_refusals_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // Label values come from configuration and the code registry only: no secret, token or user value.
    for (const secret of h.secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('alice');
  });

  it('one span per login step, each under its request span, in the in-memory exporter', () => {
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    for (const step of ['tessera.login.started', 'tessera.upstream.redirect', 'tessera.upstream.callback', 'tessera.linking.resolved', 'tessera.session.created', 'tessera.authorize.code_issued', 'tessera.token.issued']) {
      expect(names).toContain(step);
    }
    expect(names).toEqual(expect.arrayContaining(['GET /oauth2/authorize', 'POST /oauth2/token']));
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const linking = spans.find((s) => s.name === 'tessera.linking.resolved')!;
    const parent = byId.get(linking.parentSpanContext?.spanId ?? '');
    expect(parent?.name).toBe('GET /federation/:protocol/:provider/:endpoint');
    expect(parent?.spanContext().traceId).toBe(linking.spanContext().traceId);
    expect(linking.attributes).toMatchObject({ 'tessera.provider': 'upstream', 'tessera.client': 'app', 'tessera.outcome': 'success' });
  });

  it('issue 13 item 3: mapping and authorization have their own spans, in the callback request\'s trace, with ids and outcome but no claim value', () => {
    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const mapping = spans.find((s) => s.name === 'tessera.mapping');
    const authorization = spans.find((s) => s.name === 'tessera.authorization');
    expect(mapping).toBeDefined();
    expect(authorization).toBeDefined();
    if (!mapping || !authorization) return;
    const callback = spans.find((s) => s.name === 'tessera.upstream.callback')!;
    const linking = spans.find((s) => s.name === 'tessera.linking.resolved')!;
    for (const step of [mapping, authorization]) {
      const parent = byId.get(step.parentSpanContext?.spanId ?? '');
      expect(parent?.name).toBe('GET /federation/:protocol/:provider/:endpoint');
      // The same trace as the callback and linking steps of this login.
      expect(step.spanContext().traceId).toBe(callback.spanContext().traceId);
      expect(step.spanContext().traceId).toBe(linking.spanContext().traceId);
      expect(step.status.code).not.toBe(2); // SpanStatusCode.ERROR
    }
    expect(mapping.attributes).toMatchObject({ 'tessera.provider': 'upstream', 'tessera.client': 'app', 'tessera.outcome': 'success', 'tessera.assurance': expect.stringMatching(/^aal[123]$/) });
    expect(mapping.attributes['tessera.mapping.mapped']).toBeGreaterThan(0);
    expect(authorization.attributes).toMatchObject({ 'tessera.provider': 'upstream', 'tessera.client': 'app', 'tessera.outcome': 'success', 'tessera.roles.count': expect.any(Number) });
    // Steps in login order: mapping ends before authorization starts.
    const t = (hr: [number, number]) => hr[0] * 1e9 + hr[1];
    expect(t(mapping.endTime)).toBeLessThanOrEqual(t(authorization.startTime));
    // Attributes are configuration ids, codes and counts: never a user's value or a secret.
    const values = JSON.stringify([mapping.attributes, authorization.attributes]);
    expect(values).not.toMatch(/alice|@/i);
    for (const secret of h.secrets) expect(values).not.toContain(secret);
  });

  it('every log line of a request carries its request id and trace id', () => {
    const tokenSpan = exporter.getFinishedSpans().find((s) => s.name === 'POST /oauth2/token')!;
    const inRequest = lines.filter((l) => l.trace_id === tokenSpan.spanContext().traceId);
    expect(inRequest.length).toBeGreaterThanOrEqual(2); // the audit line and the request line
    const ids = new Set(inRequest.map((l) => (l.req as { id?: string } | undefined)?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an error page shows its trace id as the reference', async () => {
    exporter.reset();
    const res = await fetch(`${h.issuer}/no-such-page`);
    expect(res.status).toBe(404);
    const page = await res.text();
    // The request span ends when the connection is done with the response: wait for it briefly.
    let span = exporter.getFinishedSpans().find((s) => s.name.startsWith('GET '));
    for (let i = 0; i < 40 && !span; i++) {
      await new Promise((r) => setTimeout(r, 25));
      span = exporter.getFinishedSpans().find((s) => s.name.startsWith('GET '));
    }
    expect(span).toBeDefined();
    if (!span) return;
    expect(page).toContain(span.spanContext().traceId);
  });
});
