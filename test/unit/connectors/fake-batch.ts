import type { ServerResponse } from 'node:http';

export interface FakePart {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** How many operations a `$batch` request body holds (one request line each). */
export function operationsIn(batchBody: string): number {
  return (batchBody.match(/^(GET|POST|PATCH|PUT|DELETE) \S+ HTTP\/1\.1\r?$/gm) ?? []).length;
}

function httpPart(part: FakePart, contentId?: number): string {
  const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId !== undefined) head.push(`Content-ID: ${contentId}`);
  const headers = { ...(part.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...part.headers };
  const lines = [
    ...head,
    '',
    `HTTP/1.1 ${part.status} ${STATUS_TEXT[part.status] ?? 'Status'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    part.body === undefined ? '' : typeof part.body === 'string' ? part.body : JSON.stringify(part.body),
  ];
  return lines.join('\r\n');
}

/**
 * Answers a `$batch` with `parts`, in order: standalone parts (Dataverse) or, with `changeSets`, each part in a
 * change set of its own echoing Content-ID = its position (F&O).
 */
export function answerBatch(
  res: ServerResponse,
  parts: FakePart[],
  options: { changeSets?: boolean; status?: number } = {},
): void {
  const boundary = 'batchresponse_fake';
  const bodies = parts.map((part, i) => {
    if (!options.changeSets) return httpPart(part);
    const changeSet = `changesetresponse_fake${i}`;
    return [
      `Content-Type: multipart/mixed; boundary=${changeSet}`,
      '',
      `--${changeSet}`,
      httpPart(part, i + 1),
      `--${changeSet}--`,
    ].join('\r\n');
  });
  res.statusCode = options.status ?? 200;
  res.setHeader('content-type', `multipart/mixed; boundary=${boundary}`);
  res.end(`${bodies.map((body) => `--${boundary}\r\n${body}\r\n`).join('')}--${boundary}--\r\n`);
}

/** Dataverse's error body for a batch part. */
export function serviceError(code: string, message: string): unknown {
  return { error: { code, message } };
}
