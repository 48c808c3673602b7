import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';

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
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
