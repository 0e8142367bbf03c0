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
