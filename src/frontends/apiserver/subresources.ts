// The registration point for connect-style subresources (pods/<name>/exec, attach, portforward, log): the API server
// looks the object up and hands the request — or the WebSocket/SPDY upgrade — to the handler registered for it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';

/** What a subresource handler is given: the object the path names (already looked up: 404 otherwise) and the query. */
export interface SubresourceContext {
  type: ResourceType;
  namespace?: string;
  name: string;
  subresource: string;
  query: URLSearchParams;
  object: KubeObject;
}

/**
 * A subresource's handlers: `request` for plain HTTP (GET …/log, and the SPDY fallback POST of exec), `upgrade` for
 * Upgrade requests (WebSocket exec/attach/portforward, kubectl-api.md §10, §12). Either may throw an ApiError,
 * which is answered as a Status.
 */
export interface SubresourceHandler {
  request?(ctx: SubresourceContext, req: IncomingMessage, res: ServerResponse): void | Promise<void>;
  upgrade?(ctx: SubresourceContext, req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export class SubresourceRegistry {
  private readonly handlers = new Map<string, SubresourceHandler>();

  /** Registers (or replaces) the handler of `<plural>/<name>/<subresource>`. */
  register(plural: string, subresource: string, handler: SubresourceHandler): void {
    this.handlers.set(`${plural}/${subresource}`, handler);
  }

  get(plural: string, subresource: string): SubresourceHandler | undefined {
    return this.handlers.get(`${plural}/${subresource}`);
  }
}
