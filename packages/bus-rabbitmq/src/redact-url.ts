/**
 * Helpers that keep the broker password out of spans, metrics, logs and error messages. The URL
 * is the only place a password enters the bus, so everything shown about the connection goes
 * through here.
 */

/** `amqp://user:***@host:port/vhost`: the URL with its password (if any) masked. Unparsable input gives `<invalid url>`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid url>';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** The password of an AMQP URL as it would be sent (percent-decoded), or undefined. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/**
 * `text` with every occurrence of each secret (raw and percent-encoded) replaced by `***`. For
 * messages of driver errors, which may quote what they were given.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      scrubbed = scrubbed.replaceAll(form, '***');
  }
  return scrubbed;
}
