import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { activeTraceId } from '../observability/observability.module';

/**
 * pino settings: request lines carry method and path only (query strings hold codes and state)
 * and the response status only (Location and Set-Cookie hold codes and cookies); the redact
 * list below is a second line of defence should a serializer change. No token, secret or
 * cookie reaches a log line.
 */
export function loggingParams(level: string, destination?: DestinationStream): Params {
  const options: Exclude<Params['pinoHttp'], DestinationStream | unknown[] | undefined> = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'res.headers.location'],
      remove: true,
    },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // Every line inside a request carries its id (nestjs-pino binds `req`) and its trace id.
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID()),
    mixin: () => {
      const traceId = activeTraceId();
      return traceId ? { trace_id: traceId } : {};
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that the readable form shows in its own place. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'context', 'msg', 'req', 'res', 'responseTime', 'trace_id']);

/**
 * One pino JSON line as one line a person reads: `12:00:00 WARN  tessera: message key=value …`
 * (a request line as `GET /path → 200 (3 ms)`). A line that is not a JSON object is returned as is.
 */
export function readableLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return line.endsWith('\n') ? line : `${line}\n`;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const level = (typeof entry.level === 'number' ? (LEVEL_NAMES[entry.level] ?? String(entry.level)) : 'LOG').padEnd(5);
  const context = typeof entry.context === 'string' ? `${entry.context}: ` : '';
  const req = entry.req as { method?: unknown; path?: unknown } | undefined;
  const res = entry.res as { statusCode?: unknown } | undefined;
  const request = req && typeof req === 'object' ? ` ${String(req.method)} ${String(req.path)}` : '';
  const status = res && typeof res === 'object' && res.statusCode !== undefined ? ` → ${String(res.statusCode)}` : '';
  const took = typeof entry.responseTime === 'number' ? ` (${entry.responseTime} ms)` : '';
  const fields = Object.entries(entry)
    .filter(([k, v]) => !SHOWN_APART.has(k) && v !== undefined && !(k === 'path' && request && v === req?.path))
    .map(([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join('');
  const msg = typeof entry.msg === 'string' ? entry.msg.replace(/\s*\n\s*/g, ' ') : '';
  return `${[time, level].filter(Boolean).join(' ')} ${context}${msg}${request}${status}${took}${fields}\n`;
}

/**
 * A pino destination that writes {@link readableLogLine}s to `write` (default stdout): for the
 * demo, where a person reads the output; production keeps JSON lines.
 */
export function readableLogDestination(write: (text: string) => void = (text) => void process.stdout.write(text)): DestinationStream {
  return { write: (line: string) => write(readableLogLine(line)) };
}
