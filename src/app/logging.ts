import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';

/**
 * pino settings: request lines carry method and path only (query strings hold codes and state),
 * and headers that carry credentials are removed (no token, secret or cookie in any log line).
 */
export function loggingParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'res.headers.location'],
        remove: true,
      },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
