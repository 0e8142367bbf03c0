/**
 * The default vitest config (`npm test`) includes test/**\/*.test.ts, which also matches the slow
 * *.rel.test.ts files; they run only under vitest.reliability.config.ts (`npm run test:reliability`), which sets this.
 */
export const SLOW = process.env.SMTP2GO_RELIABILITY === '1';
