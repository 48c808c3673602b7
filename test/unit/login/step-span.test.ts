/**
 * Issue 13 item 3: the login steps without an audit event (mapping, authorization) get spans of
 * their own, `tessera.<step>`, children of the active span; a step that throws (a BrokerError, or
 * anything else as `login.internal_error`) or a denied decision ends its span in error with the
 * code; the result or error passes through unchanged; attributes are ids, codes and counts only.
 */
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { BrokerError } from '../../../src/common';
import type { CanonicalIdentity, MappingTrace } from '../../../src/identity/identity.module';
import { decisionFacts, inStepSpan, mappingFacts } from '../../../src/login/step-span';
import { startTracing, stopTracing } from '../../../src/observability/observability.module';

const exporter = new InMemorySpanExporter();
beforeAll(() => startTracing({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
afterAll(() => stopTracing());
beforeEach(() => exporter.reset());

/** Runs `fn` inside a parent span, as the HTTP observer runs a request. */
async function underParent<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; parentId: string; traceId: string }> {
  const parent = trace.getTracer('test').startSpan('GET /federation/:protocol/:provider/:endpoint');
  try {
    const result = await context.with(trace.setSpan(context.active(), parent), fn);
    return { result, parentId: parent.spanContext().spanId, traceId: parent.spanContext().traceId };
  } catch (error) {
    return { error, parentId: parent.spanContext().spanId, traceId: parent.spanContext().traceId };
  } finally {
    parent.end();
  }
}

const only = (name: string) => {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(spans).toHaveLength(1);
  return spans[0];
};

describe('inStepSpan (issue 13 item 3)', () => {
  it('a synchronous step: a child span of the active span, the result unchanged, provider/client/outcome and the described facts', async () => {
    const mt: MappingTrace = { attributes: {}, steps: [{ field: 'subject', outcome: 'mapped' }, { field: 'email', outcome: 'mapped' }, { field: 'groups', outcome: 'absent' }], preset: 'entra' };
    const identity = { assurance: 'aal2' } as CanonicalIdentity;
    const run = await underParent(async () => inStepSpan('mapping', { provider: 'entra', client: 'app' }, () => identity, (i) => mappingFacts(i, mt)));
    expect(run.result).toBe(identity);
    const span = only('tessera.mapping');
    expect(span.parentSpanContext?.spanId).toBe(run.parentId);
    expect(span.spanContext().traceId).toBe(run.traceId);
    expect(span.attributes).toEqual({
      'tessera.provider': 'entra',
      'tessera.client': 'app',
      'tessera.outcome': 'success',
      'tessera.assurance': 'aal2',
      'tessera.mapping.preset': 'entra',
      'tessera.mapping.mapped': 2,
      'tessera.mapping.absent': 1,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it.each<[string, () => unknown, string]>([
    ['a BrokerError thrown', () => { throw new BrokerError('mapping.assurance_insufficient', 'aal1 < aal2'); }, 'mapping.assurance_insufficient'],
    ['a rejected promise with a plain error', () => Promise.reject(new Error('boom with a user value alice@example.org')), 'login.internal_error'],
  ])('%s: the error passes through, the span ends in error with its code and no message text of the error', async (_t, step, code) => {
    const run = await underParent(async () => inStepSpan('mapping', { provider: 'upstream', client: 'app' }, step));
    expect(run.error).toBeInstanceOf(Error);
    const span = only('tessera.mapping');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: code });
    expect(span.attributes).toMatchObject({ 'tessera.outcome': 'failure', 'tessera.reason': code });
    expect(JSON.stringify(span.attributes)).not.toContain('alice');
  });

  it.each<[string, Parameters<typeof decisionFacts>[0], Record<string, unknown>, SpanStatusCode]>([
    ['allowed', { allowed: true, roles: ['reader', 'writer'] }, { 'tessera.outcome': 'success', 'tessera.roles.count': 2 }, SpanStatusCode.UNSET],
    ['denied (the reason, which may quote groups, stays out)', { allowed: false, reason: 'group staff-secret is not bound' }, { 'tessera.outcome': 'failure', 'tessera.reason': 'authorization.denied' }, SpanStatusCode.ERROR],
  ])('an authorization decision %s', async (_t, decision, attributes, status) => {
    const run = await underParent(() => inStepSpan('authorization', { provider: 'upstream', client: 'app' }, async () => decision, decisionFacts));
    expect(run.result).toBe(decision);
    const span = only('tessera.authorization');
    expect(span.attributes).toMatchObject(attributes);
    expect(span.status.code).toBe(status);
    expect(JSON.stringify(span.attributes)).not.toContain('staff-secret');
  });
});
