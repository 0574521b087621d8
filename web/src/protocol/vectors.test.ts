// Golden frames shared with the C++ tests (tests/vectors/frames.json): every frame must decode
// to the recorded message (proto3 JSON mapping, default fields omitted), and re-encoding that
// message must give back the same bytes.
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Channel, decodeFrame, encodeFrame, isFrameError, videoFlags } from './frame';
import { ControlMessageSchema } from './gen/tether/v1/control_pb';
import { ClipboardMessageSchema, InputMessageSchema, VideoMessageSchema, type VideoMessage } from './gen/tether/v1/media_pb';

interface Vector {
  name: string;
  channel: number;
  hex: string;
  message: JsonValue;
}

const vectorsUrl = new URL('../../../tests/vectors/frames.json', import.meta.url);

const SCHEMAS: Record<number, DescMessage> = {
  [Channel.Control]: ControlMessageSchema,
  [Channel.Video]: VideoMessageSchema,
  [Channel.Input]: InputMessageSchema,
  [Channel.Clipboard]: ClipboardMessageSchema,
};

function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`bad hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const vectors: Vector[] = JSON.parse(fs.readFileSync(vectorsUrl, 'utf8'));

describe('golden frames (tests/vectors/frames.json)', () => {
  it('has vectors, with unique names', () => {
    expect(vectors.length).toBeGreaterThan(0);
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const bytes = fromHex(v.hex);
    const frame = decodeFrame(bytes);
    if (isFrameError(frame)) throw frame.error;
    expect(frame.channel).toBe(v.channel);
    const schema = SCHEMAS[frame.channel];
    expect(schema, `no message type for channel ${frame.channel}`).toBeDefined();

    const json = toJson(schema, fromBinary(schema, frame.payload));
    expect(json).toEqual(v.message);

    // Canonical encoding: the recorded message encodes to exactly the recorded frame, flags
    // included (on video, the routing flags follow from the message, as in the C++ encoder).
    const message = fromJson(schema, v.message);
    if (frame.channel === Channel.Video) expect(frame.flags).toBe(videoFlags(message as VideoMessage));
    const reencoded = encodeFrame(frame.channel, toBinary(schema, message), frame.flags);
    expect(toHex(reencoded)).toBe(v.hex.toLowerCase());
  });
});
