// Which program a container runs, decided from its image and command line, as flatnet emulates it.

import type { Container } from '../../../core/types.js';
import { agnhostProgram } from './agnhost.js';
import { conformanceEchoProgram, echoProgram } from './echo-server.js';
import { httpEchoProgram } from './http-echo.js';
import { httpdProgram } from './httpd.js';
import { parseImageRef, onlyWaits } from './image-ref.js';
import { ingressNginxProgram, isIngressNginxController } from './ingress-nginx.js';
import type { Program, ProgramContext } from './listener.js';
import { nginxProgram } from './nginx.js';
import { redisProgram } from './redis.js';

/** Base and tool images: their default command is a shell (which exits without a terminal) or a wait. */
const BASE_IMAGES = new Set(['busybox', 'alpine', 'centos', 'ubuntu', 'debian', 'fedora', 'rockylinux', 'almalinux', 'amazonlinux', 'curl', 'netshoot', 'pause', 'dnsutils', 'distroless', 'static']);

function commandLine(c: Container): string {
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

/**
 * The program a container runs. A command that only waits (sleep, tail -f /dev/null) binds nothing whatever the
 * image; known images run their server; anything else runs flatnet's echo server on its declared ports.
 */
export function programForContainer(ctx: ProgramContext, c: Container): Program {
  const image = parseImageRef(c.image);
  const given = [...(c.command ?? []), ...(c.args ?? [])];
  if (onlyWaits(given)) return { name: image.name, bindings: [], idle: `runs \`${commandLine(c)}\`; nothing listens` };
  switch (image.name) {
    case 'nginx':
      return nginxProgram(ctx, image);
    case 'httpd':
      return httpdProgram(ctx, image);
    case 'http-echo':
      return httpEchoProgram(ctx, image, c);
    case 'agnhost':
      return agnhostProgram(ctx, c) ?? echoProgram(ctx, c);
    case 'redis':
      return redisProgram(ctx, image, c);
    case 'echoserver':
      if (image.path.includes('ingressconformance')) return conformanceEchoProgram(ctx, c);
      break;
    case 'controller':
      if (isIngressNginxController(image)) return ingressNginxProgram(ctx, image);
      break;
  }
  if (BASE_IMAGES.has(image.name)) {
    if (given.length === 0) return { name: image.name, bindings: [], idle: `${image.name}'s default command does not serve anything; nothing listens` };
    if (!c.ports?.length) return { name: image.name, bindings: [], idle: `runs \`${commandLine(c)}\` and declares no ports; nothing flatnet knows listens` };
  }
  return echoProgram(ctx, c);
}
