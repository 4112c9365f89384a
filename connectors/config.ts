import { z } from 'zod';
import { limiterOptionsSchema } from './limiter';

/**
 * Connection settings for both services. Secrets are best given by environment-variable name
 * (`clientSecretEnv`); an inline `clientSecret` is accepted but kept out of `JSON.stringify` of the parsed config.
 */

export const DEFAULT_MAX_INLINE_RETRIES = 2;
/** Longest Retry-After a call waits out itself; longer ones go back to Temporal as `retryAfterMs`. */
export const DEFAULT_MAX_INLINE_WAIT_MS = 60_000;
/** Dataverse cancels requests after 2 minutes server-side; waiting longer on our side gains nothing. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

const httpsOrLocalUrl = z
  .string()
  .url()
  .refine(
    (value) => /^https:\/\//i.test(value) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(value),
    {
      message: 'must be an https URL (plain http is allowed only for 127.0.0.1/localhost)',
    },
  );

const endpointShape = {
  url: httpsOrLocalUrl,
  /** Entra authority, e.g. `https://login.microsoftonline.com/<tenant-id>`. */
  authority: z
    .string()
    .url()
    .refine((value) => /^https:\/\//i.test(value), { message: 'must be an https URL' }),
  clientId: z.string().min(1),
  clientSecretEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  clientSecret: z.string().min(1).optional(),
  /** Defaults to `<origin of url>/.default`. */
  scope: z.string().min(1).optional(),
  /** Extra CA to trust (PEM) for the authority and the service, for private CAs and the local emulators. */
  caCertPem: z.string().min(1).optional(),
  limits: limiterOptionsSchema.optional(),
  maxInlineRetries: z.number().int().min(0).max(10).optional(),
  maxInlineWaitMs: z.number().int().min(0).optional(),
  requestTimeoutMs: z.number().int().min(1).optional(),
};

function hideSecret<T extends { clientSecret?: string }>(value: T): T {
  if (value.clientSecret !== undefined) {
    Object.defineProperty(value, 'clientSecret', { value: value.clientSecret, enumerable: false, writable: false });
  }
  return value;
}

const secretSource = (value: { clientSecret?: string; clientSecretEnv?: string }) =>
  value.clientSecret !== undefined || value.clientSecretEnv !== undefined;
const secretSourceIssue = { message: 'set clientSecretEnv (preferred) or clientSecret' };

export const dataverseConnectionSchema = z
  .object(endpointShape)
  .strict()
  .refine(secretSource, secretSourceIssue)
  .transform(hideSecret);

export const fnoConnectionSchema = z
  .object({ ...endpointShape, defaultCompany: z.string().min(1).optional() })
  .strict()
  .refine(secretSource, secretSourceIssue)
  .transform(hideSecret);

export const connectionConfigSchema = z
  .object({ dataverse: dataverseConnectionSchema, fno: fnoConnectionSchema })
  .strict();

export type DataverseConnection = z.input<typeof dataverseConnectionSchema>;
export type FnoConnection = z.input<typeof fnoConnectionSchema>;
export type ConnectionConfig = z.input<typeof connectionConfigSchema>;
/** Any one endpoint's settings; both connectors share the auth and transport options. */
export type EndpointConnection = DataverseConnection | FnoConnection;

/** Reads the secret at the last moment; the error names the variable, never a value. */
export function resolveClientSecret(connection: EndpointConnection, label: string): string {
  if (connection.clientSecretEnv) {
    const value = process.env[connection.clientSecretEnv];
    if (value) return value;
    throw new Error(
      `${label}: environment variable ${connection.clientSecretEnv} (clientSecretEnv) is not set or empty; it must hold the client secret of app ${connection.clientId}`,
    );
  }
  if (connection.clientSecret) return connection.clientSecret;
  throw new Error(`${label}: no client secret configured for app ${connection.clientId}; set clientSecretEnv`);
}

/** The resource's `.default` scope: the environment origin, no trailing slash (wire-protocols §0). */
export function defaultScope(url: string): string {
  return `${new URL(url).origin}/.default`;
}

/** Settings safe to show: everything but the secret. */
export function describeConnection(connection: EndpointConnection): Record<string, unknown> {
  const { clientSecret: _secret, ...rest } = connection;
  return { ...rest, ...(connection.clientSecret !== undefined ? { clientSecret: '[redacted]' } : {}) };
}
