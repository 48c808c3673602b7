import { escapeHtml } from '../src/common/html';

export { escapeHtml };

/** A whole demo page with its own stylesheet; `body` must already be escaped. */
export function demoPage(title: string, style: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><style>${style}</style></head>` +
    `<body>${body}</body></html>`
  );
}
