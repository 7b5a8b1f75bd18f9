import { InvalidArgumentError, SerializationError } from '../../errors.ts';

/**
 * Timestamps as eventsource-py writes and reads them. Python's `datetime` holds microseconds and a
 * `Date` milliseconds: writing pads the fraction to six digits (exact), reading truncates it to
 * three (the microseconds are lost). Python leaves the fraction out when it is zero; so do these.
 */

/** A UTC instant in pydantic's JSON form, `2026-01-02T03:04:05.123000Z` (no fraction when zero). */
export function pydanticTimestamp(date: Date, field: string): string {
  return `${utcSeconds(date, field)}${fraction(date)}Z`;
}

/** A UTC instant in Python's `datetime.isoformat()` form, `2026-01-02T03:04:05.123000+00:00`. */
export function isoformatTimestamp(date: Date, field: string): string {
  return `${utcSeconds(date, field)}${fraction(date)}+00:00`;
}

function utcSeconds(date: Date, field: string): string {
  const time = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(time))
    throw new InvalidArgumentError(`${field} must be a valid Date for the eventsource-py wire format`);
  const year = date.getUTCFullYear();
  // Python's datetime covers years 1 to 9999 only.
  if (year < 1 || year > 9999)
    throw new InvalidArgumentError(
      `${field} ${date.toISOString()} is outside the years 1..9999 that Python's datetime can hold`,
    );
  return date.toISOString().slice(0, 19);
}

function fraction(date: Date): string {
  const milliseconds = date.getUTCMilliseconds();
  return milliseconds === 0 ? '' : `.${String(milliseconds).padStart(3, '0')}000`;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads an ISO 8601 timestamp as pydantic writes it (`Z` or `±HH:MM`, up to nine fraction digits).
 * Digits past milliseconds are dropped. A timestamp without an offset (a naive Python datetime) is
 * taken as UTC, as eventsource-py's own default `datetime.now(UTC)` is.
 */
export function parsePythonTimestamp(text: unknown, field: string): Date {
  const match = typeof text === 'string' ? TIMESTAMP.exec(text) : null;
  if (match === null)
    throw new SerializationError(`${field} must be an ISO 8601 timestamp, got ${JSON.stringify(text)}`);
  const [, year, month, day, hour, minute, second, digits = '', offset = 'Z'] = match;
  const milliseconds = Number(digits.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    milliseconds,
  );
  const check = new Date(local);
  if (
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    check.getUTCHours() !== Number(hour) ||
    check.getUTCMinutes() !== Number(minute) ||
    check.getUTCSeconds() !== Number(second)
  )
    throw new SerializationError(`${field} is not a valid date: ${JSON.stringify(text)}`);
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  check.setUTCFullYear(Number(year));
  return new Date(check.getTime() - offsetMinutes(offset) * 60_000);
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return offset.startsWith('-') ? -minutes : minutes;
}
