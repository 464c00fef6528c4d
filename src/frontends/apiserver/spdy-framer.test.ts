// SPDY/3.1 framing: every frame type round-trips, wire layouts match the draft byte for byte, header blocks are zlib
// with the SPDY/3 dictionary in one context per direction, and frames split at any byte boundary decode the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { decodeHeaderBlock, encodeDataFrame, encodeHeaderBlock, FLAG_FIN, SPDY3_DICTIONARY, SpdyDecoder, SpdyEncoder, SpdyFrame, SpdyProtocolError } from './spdy-framer.js';

/** RFC 1950 §8.2 Adler-32, which a zlib header with FDICT carries as the dictionary's id. */
function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

async function roundTrip(frames: SpdyFrame[], split?: number): Promise<SpdyFrame[]> {
  const enc = new SpdyEncoder();
  const dec = new SpdyDecoder();
  try {
    const bytes = Buffer.concat(await Promise.all(frames.map((f) => enc.encode(f))));
    const out: SpdyFrame[] = [];
    const step = split ?? bytes.length;
    for (let at = 0; at < bytes.length; at += step) out.push(...(await dec.push(bytes.subarray(at, at + step))));
    return out;
  } finally {
    enc.close();
    dec.close();
  }
}

const EVERY_FRAME: SpdyFrame[] = [
  { type: 'SYN_STREAM', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, flags: 0, headers: [['streamtype', 'error'], ['port', '80'], ['requestid', '0']] },
  { type: 'SYN_REPLY', streamId: 1, flags: 0, headers: [] },
  { type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
  { type: 'SYN_STREAM', streamId: 3, associatedStreamId: 1, priority: 7, slot: 2, flags: 0x02, headers: [['streamtype', 'data'], ['port', '80'], ['requestid', '0']] },
  { type: 'DATA', streamId: 3, flags: 0, data: Buffer.from('GET / HTTP/1.1\r\n\r\n') },
  { type: 'HEADERS', streamId: 3, flags: FLAG_FIN, headers: [['x-multi', 'a\0b']] },
  { type: 'RST_STREAM', streamId: 3, status: 5 },
  { type: 'SETTINGS', flags: 1, settings: [{ flags: 1, id: 4, value: 100 }, { flags: 0, id: 7, value: 65536 }] },
  { type: 'PING', id: 0xfffffffe },
  { type: 'GOAWAY', lastGoodStreamId: 3, status: 1 },
  { type: 'WINDOW_UPDATE', streamId: 3, delta: 0x7fffffff },
];

test('the SPDY/3 dictionary is the draft\'s 1423 bytes, identical to moby/spdystream spdy/dictionary.go', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('every frame type survives encode then decode, in order', async () => {
  assert.deepEqual(await roundTrip(EVERY_FRAME), EVERY_FRAME);
});

test('frames split into 1-, 2- and 7-byte pieces decode the same (kubectl\'s WebSocket tunnel splits frames anywhere)', async () => {
  for (const split of [1, 2, 7]) assert.deepEqual(await roundTrip(EVERY_FRAME, split), EVERY_FRAME, `split ${split}`);
});

const layouts: { name: string; frame: SpdyFrame; want: string }[] = [
  { name: 'a data frame is stream id, flags, 24-bit length, payload', frame: { type: 'DATA', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hi') }, want: '00000005 01000002 6869' },
  { name: 'PING is control bit + version 3, type 6, length 4, id', frame: { type: 'PING', id: 7 }, want: '80030006 00000004 00000007' },
  { name: 'RST_STREAM carries stream id and status', frame: { type: 'RST_STREAM', streamId: 9, status: 3 }, want: '80030003 00000008 00000009 00000003' },
  { name: 'GOAWAY carries last good stream id and status', frame: { type: 'GOAWAY', lastGoodStreamId: 11, status: 2 }, want: '80030007 00000008 0000000b 00000002' },
  { name: 'WINDOW_UPDATE carries stream id and delta', frame: { type: 'WINDOW_UPDATE', streamId: 1, delta: 1024 }, want: '80030009 00000008 00000001 00000400' },
  { name: 'SETTINGS entries are flags, 24-bit id, value', frame: { type: 'SETTINGS', flags: 0, settings: [{ flags: 1, id: 7, value: 65536 }] }, want: '80030004 0000000c 00000001 01000007 00010000' },
];

for (const c of layouts)
  test(`wire layout: ${c.name}`, async () => {
    const enc = new SpdyEncoder();
    assert.equal((await enc.encode(c.frame)).toString('hex'), c.want.replace(/ /g, ''));
    enc.close();
  });

test('encodeDataFrame refuses a payload beyond the 24-bit length field', () => {
  assert.throws(() => encodeDataFrame(1, 0, Buffer.alloc(0x1000000)), RangeError);
});

test('a SYN_REPLY header block is zlib naming the SPDY/3 dictionary, and a fresh inflater with it decodes the pairs', async () => {
  const enc = new SpdyEncoder();
  const headers: [string, string][] = [['streamtype', 'data'], ['port', '6379']];
  const frame = await enc.encode({ type: 'SYN_REPLY', streamId: 1, flags: 0, headers });
  enc.close();
  assert.equal(frame.readUInt16BE(2), 2);
  assert.equal(frame.readUInt32BE(4) & 0xffffff, frame.length - 8);
  const block = frame.subarray(12);
  // RFC 1950: CMF 0x78, FLG with FDICT (0x20), then DICTID = Adler-32 of the dictionary.
  assert.equal(block[0], 0x78);
  assert.equal(block[1] & 0x20, 0x20);
  assert.equal(block.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
  const plain = inflateSync(block, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(decodeHeaderBlock(plain), headers);
  assert.deepEqual(plain, encodeHeaderBlock(headers));
});

test('header compression keeps one context per direction: a repeated block is shorter and needs the earlier ones', async () => {
  const enc = new SpdyEncoder();
  const headers: [string, string][] = [['streamtype', 'data'], ['port', '8080'], ['requestid', '17']];
  const first = await enc.encode({ type: 'SYN_REPLY', streamId: 1, flags: 0, headers });
  const second = await enc.encode({ type: 'SYN_REPLY', streamId: 3, flags: 0, headers });
  enc.close();
  assert.ok(second.length < first.length, `second frame ${second.length} bytes, first ${first.length}`);
  assert.throws(() => inflateSync(second.subarray(12), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH }));
  const dec = new SpdyDecoder();
  const frames = await dec.push(Buffer.concat([first, second]));
  dec.close();
  assert.deepEqual(frames.map((f) => f.type === 'SYN_REPLY' && f.headers), [headers, headers]);
});

test('a SYN_STREAM laid out by hand and compressed by another zlib decodes to its fields and headers', async () => {
  const headers: [string, string][] = [['port', '80'], ['requestid', '0'], ['streamtype', 'error']];
  const block = deflateSync(encodeHeaderBlock(headers), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  const fixed = Buffer.from('00000001' + '00000000' + 'a0' + '00', 'hex'); // stream 1, no associated stream, priority 5, slot 0
  const head = Buffer.from('80030001', 'hex');
  const length = Buffer.alloc(4);
  length.writeUInt32BE((FLAG_FIN << 24) | (fixed.length + block.length));
  const dec = new SpdyDecoder();
  const frames = await dec.push(Buffer.concat([head, length, fixed, block]));
  dec.close();
  assert.deepEqual(frames, [{ type: 'SYN_STREAM', streamId: 1, associatedStreamId: 0, priority: 5, slot: 0, flags: FLAG_FIN, headers }]);
});

test('header names arrive lower-cased and multiple values stay NUL-joined', () => {
  const block = encodeHeaderBlock([['StreamType', 'data'], ['x', 'a\0b']]);
  assert.deepEqual(decodeHeaderBlock(block), [['streamtype', 'data'], ['x', 'a\0b']]);
});

const malformed: { name: string; bytes: string }[] = [
  { name: 'a data frame on stream 0', bytes: '00000000 00000001 ff' },
  { name: 'a control frame of SPDY version 2', bytes: '80020006 00000004 00000001' },
  { name: 'a RST_STREAM shorter than 8 bytes', bytes: '80030003 00000004 00000001' },
  { name: 'a SYN_REPLY whose header block is not zlib', bytes: '80030002 00000008 00000001 deadbeef' },
];

for (const c of malformed)
  test(`the decoder rejects ${c.name} with SpdyProtocolError`, async () => {
    const dec = new SpdyDecoder();
    await assert.rejects(dec.push(Buffer.from(c.bytes.replace(/ /g, ''), 'hex')), SpdyProtocolError);
    dec.close();
  });

test('a truncated header block is a protocol error', () => {
  assert.throws(() => decodeHeaderBlock(Buffer.from('0000000100000004706f', 'hex')), SpdyProtocolError);
  assert.throws(() => decodeHeaderBlock(Buffer.from('00000000ff', 'hex')), /after its 0 pairs/);
});

test('a control frame of an unknown type is skipped (draft §2.2.1) and the frames after it still decode', async () => {
  const dec = new SpdyDecoder();
  const frames = await dec.push(Buffer.from('8003000a00000002abcd' + '800300060000000400000003', 'hex'));
  dec.close();
  assert.deepEqual(frames, [{ type: 'PING', id: 3 }]);
});
