/**
 * Host and port of a service address (`scheme://user:password@host:port/...` or `host:port`).
 * Native services listen there, so the host must be on this machine's loopback interface.
 */
export function loopbackEndpoint(address: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  const host =
    url.hostname === 'localhost' || url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
  return { host, port: url.port === '' ? defaultPort : Number(url.port) };
}

/** Whether a host is this machine's loopback, where native services can be started. */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host.startsWith('127.');
}
