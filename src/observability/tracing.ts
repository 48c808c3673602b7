import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { TRACER_NAME } from '../common';

/** How {@link startTracing} exports spans. */
export interface TracingOptions {
  /** Span processors to use (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** The environment: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans go out over OTLP (the SDK reads the OTEL_* settings). */
  env?: NodeJS.ProcessEnv;
}

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry once per process (later calls are ignored): spans over OTLP when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, to `spanProcessors` when given, otherwise recorded but
 * exported nowhere (so trace ids still reach logs and error pages). Metrics and logs are not
 * exported through OpenTelemetry (Prometheus and pino carry them).
 * Checked on Node 20.20 with @opentelemetry/sdk-node 0.301 (its engines say Node ≥ 22.15; the
 * tracing path runs, see test/e2e/metrics-traces.test.ts).
 */
export function startTracing(opts: TracingOptions = {}): void {
  if (sdk) return;
  const env = opts.env ?? process.env;
  const otlp = !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'tessera',
    autoDetectResources: false,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
    // Without processors the SDK would read OTEL_TRACES_EXPORTER (OTLP) itself.
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : otlp ? {} : { spanProcessors: [new NoopSpanProcessor()] }),
  });
  sdk.start();
}

/** Flushes and stops tracing (process exit). */
export async function stopTracing(): Promise<void> {
  const s = sdk;
  sdk = undefined;
  await s?.shutdown();
}

/** The trace id of the active span (32 hex digits), or undefined outside any trace. */
export function activeTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const id = span?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}

/** Last step time per request span, so a step's span covers the time since the previous step. */
const lastStep = new WeakMap<Span, number>();

/**
 * Runs `next` inside a new server span for one HTTP request; the span is named
 * `METHOD route` when the response finishes (route = the matched route pattern).
 */
export function startRequestSpan(method: string, onFinish: (finish: (route: string, status: number) => void) => void, next: () => void): void {
  const tracer = trace.getTracer(TRACER_NAME);
  const span = tracer.startSpan(`${method} request`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } });
  lastStep.set(span, Date.now());
  onFinish((route, status) => {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(context.active(), span), next);
}

/**
 * Records one login step (an audit event) as a span under the active request span, covering the
 * time since the previous step of the same request: `tessera.<event type>` with its provider,
 * client, outcome and reason code.
 */
export function recordStepSpan(type: string, attributes: Record<string, string | undefined>, at: Date): void {
  const parent = trace.getSpan(context.active());
  const end = at.getTime();
  const start = parent ? Math.min(lastStep.get(parent) ?? end, end) : end;
  if (parent) lastStep.set(parent, end);
  const span = trace.getTracer(TRACER_NAME).startSpan(`tessera.${type}`, { startTime: start, kind: SpanKind.INTERNAL });
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(`tessera.${k}`, v);
  if (attributes.outcome === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, message: attributes.reason });
  span.end(Math.max(end, start));
}
