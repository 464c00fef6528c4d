// Loopback ports for tests and benchmarks that start servers.

import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

/** A UDP port on 127.0.0.1 that is free right now (the kernel's pick). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP port on 127.0.0.1 that is free right now (the kernel's pick). */
export async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A port in the NodePort range (30000–32767) free on 127.0.0.1 right now, starting from a seeded offset. */
export async function freeNodePort(seed = process.pid): Promise<number> {
  for (let i = 0; i < 2768; i++) {
    const port = 30000 + ((seed + i * 7919) % 2768);
    const s = createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => r(true));
    });
    if (ok) {
      await new Promise<void>((r) => s.close(() => r()));
      return port;
    }
  }
  throw new Error('no free port in 30000-32767 on 127.0.0.1');
}
