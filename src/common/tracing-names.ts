/**
 * Tessera's OpenTelemetry tracer name: one instrumentation scope for every span, whether
 * observability/ derives it from audit events or login/ times a step itself (step-span.ts).
 */
export const TRACER_NAME = 'tessera';
