// SPDY/3.1 frames as kubectl's port-forward and SPDY exec speak them (moby/spdystream, used by
// k8s.io/apimachinery/pkg/util/httpstream/spdy): encoding and decoding of data and control frames, with header blocks
// compressed by one zlib context per direction that starts from the SPDY/3 dictionary (SPDY/3 draft §2.6.10).

import { constants, createDeflate, createInflate, Deflate, Inflate } from 'node:zlib';

/** The protocol version in every control frame (SPDY/3.1 keeps version 3 on the wire). */
export const SPDY_VERSION = 3;
/** The FIN flag of data, SYN_STREAM, SYN_REPLY and HEADERS frames: the sender's half of the stream is closed. */
export const FLAG_FIN = 0x01;
/** SYN_STREAM's FLAG_UNIDIRECTIONAL: the recipient may not send on the stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;
/** SETTINGS' FLAG_SETTINGS_CLEAR_SETTINGS. */
export const FLAG_CLEAR_SETTINGS = 0x01;
/** A frame's length field is 24 bits. */
export const MAX_FRAME_LENGTH = 0xffffff;

/** Control frame types (draft §2.6). Type 5 (NOOP) was removed in SPDY/3; type 10 (CREDENTIAL) is not supported. */
export const ControlType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** RST_STREAM status codes (draft §2.6.3). */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes (draft §2.6.6). */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/**
 * A header block's name/value pairs in wire order. Names are lower-case (the draft requires it; spdystream
 * lower-cases on write); several values of one name travel as one value joined by NUL bytes.
 */
export type SpdyHeaders = [name: string, value: string][];

export interface SpdySetting {
  /** FLAG_SETTINGS_PERSIST_VALUE (1) / FLAG_SETTINGS_PERSISTED (2). */
  flags: number;
  /** 24-bit id: 4 = SETTINGS_MAX_CONCURRENT_STREAMS, 7 = SETTINGS_INITIAL_WINDOW_SIZE, ... */
  id: number;
  value: number;
}

/** One frame, decoded. Stream ids are 31-bit; a SYN_STREAM's priority is 3 bits (0 highest). */
export type SpdyFrame =
  | { type: 'DATA'; streamId: number; flags: number; data: Buffer }
  | { type: 'SYN_STREAM'; streamId: number; associatedStreamId: number; priority: number; slot: number; flags: number; headers: SpdyHeaders }
  | { type: 'SYN_REPLY'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'RST_STREAM'; streamId: number; status: number }
  | { type: 'SETTINGS'; flags: number; settings: SpdySetting[] }
  | { type: 'PING'; id: number }
  | { type: 'GOAWAY'; lastGoodStreamId: number; status: number }
  | { type: 'HEADERS'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'WINDOW_UPDATE'; streamId: number; delta: number };

/** A violation of the framing rules: the session answers with GOAWAY PROTOCOL_ERROR and ends (draft §2.4.1). */
export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

// The header compression dictionary of the SPDY/3 draft §2.6.10.1: header names and common values, each preceded
// by its length as a 32-bit big-endian integer, then a run of status codes, reason phrases, dates and media types
// without length prefixes. Checked byte for byte against moby/spdystream spdy/dictionary.go by spdy-framer.test.ts.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1',
  'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
  'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header compression dictionary (1423 bytes). */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, 'latin1');
    return b;
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** A header block before compression (draft §2.6.10): a 32-bit count, then per pair a 32-bit length and bytes for name and value. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(headers.length)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed header block; throws SpdyProtocolError when it is truncated or has trailing bytes. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let at = 0;
  const take = (n: number, what: string): Buffer => {
    if (at + n > block.length) throw new SpdyProtocolError(`header block truncated reading ${what} (${block.length} bytes)`);
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  const count = take(4, 'the pair count').readUInt32BE(0);
  const headers: SpdyHeaders = [];
  for (let i = 0; i < count; i++) {
    const name = take(take(4, 'a name length').readUInt32BE(0), 'a name').toString('utf8');
    // Draft §2.6.10: zero-length names are a protocol error; spdystream lower-cases names it receives.
    if (name === '') throw new SpdyProtocolError('header block has an empty header name');
    const value = take(take(4, 'a value length').readUInt32BE(0), 'a value').toString('utf8');
    headers.push([name.toLowerCase(), value]);
  }
  if (at !== block.length) throw new SpdyProtocolError(`header block has ${block.length - at} bytes after its ${count} pairs`);
  return headers;
}

/** The first value of header `name` (values are NUL-separated on the wire), as http.Header.Get returns it. */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  const pair = headers.find(([n]) => n === name);
  return pair && pair[1].split('\0')[0];
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/**
 * Runs one block through a zlib stream that lives as long as the session and ends it with Z_SYNC_FLUSH, so the
 * output holds everything the block produces and the next block continues the same compression context.
 * Calls on one stream must not overlap (callers serialise them).
 */
function syncFlush(z: Deflate | Inflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer) => out.push(c);
    const onError = (e: Error) => {
      z.off('data', onData);
      reject(new SpdyProtocolError(`header block compression: ${e.message}`));
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(block);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`SPDY frame payload of ${length} bytes exceeds ${MAX_FRAME_LENGTH}`);
  const b = Buffer.alloc(8);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return b;
}

/** A data frame: 31-bit stream id, flags, 24-bit length, payload (draft §2.2.2). Needs no compression context. */
export function encodeDataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  if (data.length > MAX_FRAME_LENGTH) throw new RangeError(`SPDY data frame of ${data.length} bytes exceeds ${MAX_FRAME_LENGTH}`);
  const b = Buffer.alloc(8);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([b, data]);
}

/** Encodes the frames one endpoint sends, owning that direction's header compression context. */
export class SpdyEncoder {
  private readonly deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private queue: Promise<unknown> = Promise.resolve();

  /** The frame's bytes. Frames carrying header blocks must be encoded (and sent) in the order they are passed here. */
  encode(frame: SpdyFrame): Promise<Buffer> {
    const run = this.queue.then(() => this.encodeNow(frame));
    this.queue = run.catch(() => {});
    return run;
  }

  close(): void {
    this.deflate.close();
  }

  private async encodeNow(f: SpdyFrame): Promise<Buffer> {
    const control = (type: number, flags: number, payload: Buffer) => Buffer.concat([controlHeader(type, flags, payload.length), payload]);
    const ids = (...n: number[]) => Buffer.concat(n.map(u32));
    switch (f.type) {
      case 'DATA':
        return encodeDataFrame(f.streamId, f.flags, f.data);
      case 'SYN_STREAM': {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
        fixed.writeUInt32BE(f.associatedStreamId & 0x7fffffff, 4);
        fixed.writeUInt8((f.priority & 0x7) << 5, 8);
        fixed.writeUInt8(f.slot & 0xff, 9);
        return control(ControlType.SYN_STREAM, f.flags, Buffer.concat([fixed, await this.headerBlock(f.headers)]));
      }
      case 'SYN_REPLY':
        return control(ControlType.SYN_REPLY, f.flags, Buffer.concat([ids(f.streamId & 0x7fffffff), await this.headerBlock(f.headers)]));
      case 'HEADERS':
        return control(ControlType.HEADERS, f.flags, Buffer.concat([ids(f.streamId & 0x7fffffff), await this.headerBlock(f.headers)]));
      case 'RST_STREAM':
        return control(ControlType.RST_STREAM, 0, ids(f.streamId & 0x7fffffff, f.status));
      case 'SETTINGS': {
        const entries = f.settings.map((s) => ids(((s.flags & 0xff) << 24) | (s.id & 0xffffff), s.value));
        return control(ControlType.SETTINGS, f.flags, Buffer.concat([u32(f.settings.length), ...entries]));
      }
      case 'PING':
        return control(ControlType.PING, 0, ids(f.id));
      case 'GOAWAY':
        return control(ControlType.GOAWAY, 0, ids(f.lastGoodStreamId & 0x7fffffff, f.status));
      case 'WINDOW_UPDATE':
        return control(ControlType.WINDOW_UPDATE, 0, ids(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    }
  }

  private headerBlock(headers: SpdyHeaders): Promise<Buffer> {
    return syncFlush(this.deflate, encodeHeaderBlock(headers));
  }
}

/**
 * Decodes the byte stream one endpoint receives, split at any boundaries (kubectl's WebSocket tunnel splits frames
 * across messages), owning that direction's header decompression context.
 */
export class SpdyDecoder {
  private readonly inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private pending: Buffer = Buffer.alloc(0);
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Appends bytes; resolves with the frames they complete, in order. Calls are processed in the order made. Rejects
   * with SpdyProtocolError on a malformed frame (the session cannot continue: the compression context is lost).
   */
  push(chunk: Buffer): Promise<SpdyFrame[]> {
    const run = this.queue.then(() => this.drain(chunk));
    this.queue = run.catch(() => {});
    return run;
  }

  close(): void {
    this.inflate.close();
  }

  private async drain(chunk: Buffer): Promise<SpdyFrame[]> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: SpdyFrame[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + length) break;
      const head = this.pending.subarray(0, 8);
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      const frame = await this.decode(head, payload);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private async decode(head: Buffer, payload: Buffer): Promise<SpdyFrame | undefined> {
    const flags = head.readUInt8(4);
    if ((head.readUInt8(0) & 0x80) === 0) {
      const streamId = head.readUInt32BE(0) & 0x7fffffff;
      if (streamId === 0) throw new SpdyProtocolError('data frame on stream 0');
      return { type: 'DATA', streamId, flags, data: Buffer.from(payload) };
    }
    const version = head.readUInt16BE(0) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`control frame of SPDY version ${version}; only version ${SPDY_VERSION} is spoken`);
    const type = head.readUInt16BE(2);
    const need = (n: number, name: string) => {
      if (payload.length < n) throw new SpdyProtocolError(`${name} frame of ${payload.length} bytes is shorter than ${n}`);
    };
    const word = (at: number) => payload.readUInt32BE(at);
    switch (type) {
      case ControlType.SYN_STREAM:
        need(10, 'SYN_STREAM');
        return {
          type: 'SYN_STREAM',
          streamId: word(0) & 0x7fffffff,
          associatedStreamId: word(4) & 0x7fffffff,
          priority: payload.readUInt8(8) >> 5,
          slot: payload.readUInt8(9),
          flags,
          headers: await this.headerBlock(payload.subarray(10)),
        };
      case ControlType.SYN_REPLY:
        need(4, 'SYN_REPLY');
        return { type: 'SYN_REPLY', streamId: word(0) & 0x7fffffff, flags, headers: await this.headerBlock(payload.subarray(4)) };
      case ControlType.HEADERS:
        need(4, 'HEADERS');
        return { type: 'HEADERS', streamId: word(0) & 0x7fffffff, flags, headers: await this.headerBlock(payload.subarray(4)) };
      case ControlType.RST_STREAM:
        need(8, 'RST_STREAM');
        return { type: 'RST_STREAM', streamId: word(0) & 0x7fffffff, status: word(4) };
      case ControlType.SETTINGS: {
        need(4, 'SETTINGS');
        const count = word(0);
        need(4 + count * 8, 'SETTINGS');
        const settings: SpdySetting[] = [];
        for (let i = 0; i < count; i++) settings.push({ flags: payload.readUInt8(4 + i * 8), id: word(4 + i * 8) & 0xffffff, value: word(8 + i * 8) });
        return { type: 'SETTINGS', flags, settings };
      }
      case ControlType.PING:
        need(4, 'PING');
        return { type: 'PING', id: word(0) };
      case ControlType.GOAWAY:
        need(8, 'GOAWAY');
        return { type: 'GOAWAY', lastGoodStreamId: word(0) & 0x7fffffff, status: word(4) };
      case ControlType.WINDOW_UPDATE:
        need(8, 'WINDOW_UPDATE');
        return { type: 'WINDOW_UPDATE', streamId: word(0) & 0x7fffffff, delta: word(4) & 0x7fffffff };
      default:
        // Draft §2.2.1: a control frame of a type the endpoint does not recognise is ignored.
        return undefined;
    }
  }

  private async headerBlock(compressed: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await syncFlush(this.inflate, compressed));
  }
}
