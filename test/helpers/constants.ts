/**
 * Credentials for tests, one of each. Each is long enough for the suite's secret-leak guard
 * (test/helpers/secret-guard.ts) to look for it in every output, and no two share a distinctive middle,
 * so a leak is always put down to the right one.
 */

/** An API key of SMTP2Go's shape (`api-` + 32 letters/digits); masked, it shows as `api-••••••••3f9a`. */
export const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';

/** The webhook secret (SMTP2GO_WEBHOOK_SECRET): signs and authenticates webhook requests; masked `••••••••0001`. */
export const WEBHOOK_SECRET = 'whsec-long-enough-to-be-valid-0001';

/** The secret before a rotation (SMTP2GO_WEBHOOK_SECRET_PREVIOUS), still accepted by the listener. */
export const PREVIOUS_WEBHOOK_SECRET = 'whsec-previous-9876543210zyxwvu';

/** The SMTP relay password (SMTP_PASSWORD). */
export const SMTP_PASSWORD = 'relay-Pa55word-never-shown';
