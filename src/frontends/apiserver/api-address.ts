// `--api`: where `flatnet up` serves the Kubernetes API. Kept apart from server.ts so that parsing the flag loads
// nothing else.

import { isIP } from 'node:net';

export const DEFAULT_API_ADDRESS = '127.0.0.1:6443';

/**
 * Parses `--api`: `off`, or HOST:PORT (`[::1]:PORT` for IPv6, `localhost` for 127.0.0.1, port 0 picks one). Any IP may
 * be given — the default and the documented use is loopback. `toError` makes the exception (the CLI's UsageError).
 */
export function parseApiAddress(value: string, toError: (message: string) => Error = (m) => new Error(m)): { host: string; port: number } | 'off' {
  if (value === 'off') return 'off';
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return fail();
  const host = m[2] === 'localhost' ? '127.0.0.1' : (m[1] ?? m[2]);
  if (isIP(host) === 0) throw toError(`--api: invalid value "${value}": HOST must be an IP address or localhost`);
  if (Number(m[3]) > 65535) throw toError(`--api: invalid value "${value}": PORT must be from 0 to 65535`);
  return { host, port: Number(m[3]) };
  function fail(): never {
    throw toError(`--api: invalid value "${value}": want HOST:PORT, such as ${DEFAULT_API_ADDRESS} or [::1]:6443, or off`);
  }
}
