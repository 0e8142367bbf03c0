import { LATEST_SCHEMA_VERSION } from '../store/migrations.js';
import type { DoctorCheck } from './doctor.js';

/** One doctor check's outcome; a warn or fail always says what to do about it. */
export const ok = (name: string, message: string): DoctorCheck => ({
  name,
  status: 'ok',
  message,
  fix: null,
});
export const warn = (name: string, message: string, fix: string): DoctorCheck => ({
  name,
  status: 'warn',
  message,
  fix,
});
export const fail = (name: string, message: string, fix: string): DoctorCheck => ({
  name,
  status: 'fail',
  message,
  fix,
});

/** The store's schema against the one this version knows, on either engine. */
export function schemaCheck(version: number): DoctorCheck {
  return version === LATEST_SCHEMA_VERSION
    ? ok('schema', `schema version ${version}`)
    : fail(
        'schema',
        `schema version ${version}, this smtp2go-portal expects ${LATEST_SCHEMA_VERSION}`,
        version > LATEST_SCHEMA_VERSION
          ? 'upgrade smtp2go-portal'
          : 'run any command with write access to migrate',
      );
}
