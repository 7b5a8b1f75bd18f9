import { SerializationError } from '../errors.ts';

/*
 * JSON that keeps what plain JSON loses, without ambiguity.
 *
 * - A `Date` is written as `{"$date": iso}` and a `bigint` as `{"$bigint": digits}`.
 * - A user object that could be read as such a tag (exactly one own key, spelled `$date`, `$$date`,
 *   `$$$date`, ... or the same for `bigint`) is escaped by one more `$` in front of that key, and
 *   the reader takes one `$` off again. A tag always has exactly one `$`, an escaped user key at
 *   least two, so no user object is ever read as a tag: every object round-trips unchanged.
 *   Deciding needs only the object itself, so the reader also works bottom-up (a JSON.parse
 *   reviver) and on objects a driver already parsed (JSONB).
 * - Rows written before the escape existed hold user objects like `{"$bigint": "12x"}` unescaped.
 *   A tag whose content is not what the writer produces (digits; an ISO timestamp) is therefore read
 *   as the plain object it was, never as a broken value, so no stored payload makes reading throw.
 *   An old unescaped `{"$bigint": "12"}` cannot be told from a tag and reads as `12n`; an old
 *   single-key object spelled `$$date`/`$$bigint` (never produced by the library) loses one `$`.
 */

const TAG_KEY = /^\$+(?:date|bigint)$/;
const BIGINT_TEXT = /^-?\d+$/;

/** The JSON text of `value`, with dates and bigints tagged and tag-like objects escaped. */
export function toJson(value: unknown): string {
  // Most payloads hold no Date, bigint or tag-like object; they skip the replacer (a call per key).
  return isPlainJson(value) ? plainJson(value) : taggedJson(value);
}

/**
 * Whether `JSON.stringify` alone writes `value` as {@link toJson} does: it holds no Date, bigint,
 * tag-like object or object with its own `toJSON`, and is not nested too deep to check.
 */
export function isPlainJson(value: unknown): boolean {
  return !needsReplacer(value, 0);
}

/** `JSON.stringify` of a value {@link isPlainJson} accepted (or built only of such values). */
export function plainJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new SerializationError('Value cannot be serialized to JSON', { cause: error });
  }
}

function taggedJson(value: unknown): string {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
      // `this` is the holder; for the root it is a wrapper whose '' key holds the value.
      const raw = this[key];
      if (raw instanceof Date) return { $date: raw.toISOString() };
      if (typeof raw === 'bigint') return { $bigint: raw.toString() };
      return escapeTagLike(encoded);
    });
  } catch (error) {
    throw new SerializationError('Value cannot be serialized to JSON', { cause: error });
  }
}

/** `{ $date: x }` as `{ $$date: x }` (one more `$`); anything else unchanged. */
function escapeTagLike(value: unknown): unknown {
  const key = singleTagLikeKey(value);
  return key === undefined ? value : { [`$${key}`]: (value as Record<string, unknown>)[key] };
}

/** The one own key of a plain object when that key is spelled like a tag. */
function singleTagLikeKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  let found: string | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found !== undefined && found.charCodeAt(0) === 36 && TAG_KEY.test(found) ? found : undefined;
}

/**
 * Whether `value` holds a Date, a bigint, a tag-like object or an object with its own `toJSON`
 * (whose output is only known while stringifying). Deep structures take the slow path.
 */
function needsReplacer(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object') return false;
  if (depth > 64 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) return value.some((item) => needsReplacer(item, depth + 1));
  let keys = 0;
  let tagLike = false;
  for (const key in value) {
    keys += 1;
    if (keys === 1) tagLike = key.charCodeAt(0) === 36 && TAG_KEY.test(key);
    if (needsReplacer((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return keys === 1 && tagLike;
}

/** Parses text written by {@link toJson}. Text that is not JSON throws {@link SerializationError}. */
export function fromJson(json: string): unknown {
  try {
    const parsed: unknown = JSON.parse(json);
    // Tags and escapes always contain `"$`; most payloads do not and need no second look.
    return json.includes('"$') ? reviveJson(parsed) : parsed;
  } catch (error) {
    // Malformed text, or nesting too deep to walk (a RangeError): either way, not readable JSON.
    throw new SerializationError('Malformed JSON', { cause: error });
  }
}

/** Revives tags and unescapes tag-like objects in an already-parsed structure (a JSONB driver's). */
export function reviveJson(value: unknown): unknown {
  return hasTagKey(value, 0) ? reviveDeep(value) : value;
}

function hasTagKey(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  if (depth > 64) return true;
  if (Array.isArray(value)) return value.some((item) => hasTagKey(item, depth + 1));
  for (const key in value) {
    if (key.charCodeAt(0) === 36 && TAG_KEY.test(key)) return true;
    if (hasTagKey((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function reviveDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(reviveDeep);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length === 1) {
    const key = keys[0]!;
    if (key.charCodeAt(0) === 36 && TAG_KEY.test(key)) return reviveTag(key, reviveDeep(source[key]), source);
  }
  const revived: Record<string, unknown> = {};
  for (const key of keys) {
    const entry = reviveDeep(source[key]);
    // A `__proto__` key stays data, as JSON.parse leaves it, instead of setting the prototype.
    if (key === '__proto__') {
      Object.defineProperty(revived, key, {
        value: entry,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      revived[key] = entry;
    }
  }
  return revived;
}

/**
 * The one-key object `{ [key]: content }` (content already revived): a tag becomes its value, an
 * escaped key loses one `$`, and a tag whose content the writer never produces stays an object.
 */
function reviveTag(key: string, content: unknown, source: Record<string, unknown>): unknown {
  if (key.charCodeAt(1) === 36) return { [key.slice(1)]: content };
  const kept = content === source[key] ? source : { [key]: content };
  if (typeof content !== 'string') return kept;
  if (key === '$bigint') return BIGINT_TEXT.test(content) ? BigInt(content) : kept;
  const date = new Date(content);
  return Number.isNaN(date.getTime()) ? kept : date;
}
