// The wire frame (docs/protocol.md §2): a 6-byte header — payload length (u32 big-endian),
// channel (u8), flags (u8) — followed by one Protocol Buffers message of the channel's type.
// Over WebSocket, one binary message carries exactly one frame.
//
// Flags are the relay's routing hints, defined on the video channel only (src/wire/frame.h):
// 0x01 key frame, 0x02 droppable. Any other bit, or any flag on another channel, is an error.
//
// Pure: no I/O, no DOM.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { ControlMessageSchema, type ControlMessage } from './gen/tether/v1/control_pb';
import {
  ClipboardMessageSchema,
  InputMessageSchema,
  VideoMessageSchema,
  type ClipboardMessage,
  type InputMessage,
  type VideoMessage,
} from './gen/tether/v1/media_pb';

export const Channel = {
  Control: 0,
  Video: 1,
  Input: 2,
  Clipboard: 3,
  File: 4,
  Chat: 5,
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export const HEADER_SIZE = 6;

export const FLAG_KEY_FRAME = 0x01;  // video: a VideoFrame that is a key frame
export const FLAG_DROPPABLE = 0x02;  // video: a VideoFrame a slow receiver may miss
export const KNOWN_FLAGS = FLAG_KEY_FRAME | FLAG_DROPPABLE;

// Largest payload each channel accepts, indexed by channel number.
export const MAX_PAYLOAD: readonly number[] = [
  64 * 1024,        // control
  8 * 1024 * 1024,  // video
  4 * 1024,         // input
  1024 * 1024,      // clipboard
  256 * 1024,       // file
  16 * 1024,        // chat
];

export const CHANNEL_COUNT = MAX_PAYLOAD.length;

export function isChannel(n: number): n is Channel {
  return Number.isInteger(n) && n >= 0 && n < CHANNEL_COUNT;
}

export type FrameErrorReason =
  | 'short header'      // fewer than 6 bytes
  | 'unknown channel'
  | 'unknown frame flags'
  | 'flags on a non-video channel'
  | 'frame exceeds channel limit'
  | 'length mismatch';  // the header's length is not the rest of the message

export class FrameError extends Error {
  readonly reason: FrameErrorReason;

  constructor(reason: FrameErrorReason, detail?: string) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

export interface Frame {
  channel: Channel;
  flags: number;
  payload: Uint8Array;
}

export type DecodeResult = Frame | { error: FrameError };

function checkFlags(channel: Channel, flags: number): FrameError | null {
  if (!Number.isInteger(flags) || (flags & ~KNOWN_FLAGS) !== 0) return new FrameError('unknown frame flags', `0x${flags.toString(16)}`);
  if (flags !== 0 && channel !== Channel.Video) return new FrameError('flags on a non-video channel', `0x${flags.toString(16)} on channel ${channel}`);
  return null;
}

// Builds one frame. Throws FrameError for a bad channel, bad flags or an oversized payload: all
// are bugs of the caller, never something to put on the wire.
export function encodeFrame(channel: number, payload: Uint8Array, flags = 0): Uint8Array<ArrayBuffer> {
  if (!isChannel(channel)) throw new FrameError('unknown channel', String(channel));
  const badFlags = checkFlags(channel, flags);
  if (badFlags) throw badFlags;
  const max = MAX_PAYLOAD[channel];
  if (payload.byteLength > max) {
    throw new FrameError('frame exceeds channel limit', `${payload.byteLength} > ${max} on channel ${channel}`);
  }
  const out = new Uint8Array(HEADER_SIZE + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.byteLength, false);
  view.setUint8(4, channel);
  view.setUint8(5, flags);
  out.set(payload, HEADER_SIZE);
  return out;
}

function asBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

// Parses one whole frame (one WebSocket message). The header is validated before the payload is
// looked at; the payload is a view into `data`, not a copy.
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): DecodeResult {
  const bytes = asBytes(data);
  if (bytes.byteLength < HEADER_SIZE) {
    return { error: new FrameError('short header', `${bytes.byteLength} bytes`) };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, false);
  const channel = view.getUint8(4);
  const flags = view.getUint8(5);
  if (!isChannel(channel)) return { error: new FrameError('unknown channel', String(channel)) };
  const badFlags = checkFlags(channel, flags);
  if (badFlags) return { error: badFlags };
  if (length > MAX_PAYLOAD[channel]) {
    return { error: new FrameError('frame exceeds channel limit', `${length} > ${MAX_PAYLOAD[channel]} on channel ${channel}`) };
  }
  if (length !== bytes.byteLength - HEADER_SIZE) {
    return { error: new FrameError('length mismatch', `header says ${length}, message has ${bytes.byteLength - HEADER_SIZE}`) };
  }
  return { channel, flags, payload: bytes.subarray(HEADER_SIZE) };
}

export function isFrameError(r: DecodeResult): r is { error: FrameError } {
  return 'error' in r;
}

// --- typed messages ------------------------------------------------------------------------

export type ChannelMessage =
  | { channel: typeof Channel.Control; flags: number; message: ControlMessage }
  | { channel: typeof Channel.Video; flags: number; message: VideoMessage }
  | { channel: typeof Channel.Input; flags: number; message: InputMessage }
  | { channel: typeof Channel.Clipboard; flags: number; message: ClipboardMessage };

export function encodeControl(init: MessageInitShape<typeof ControlMessageSchema>): Uint8Array<ArrayBuffer> {
  return encodeFrame(Channel.Control, toBinary(ControlMessageSchema, asMessage(ControlMessageSchema, init)));
}

// The relay's routing flags of a video message, as the C++ encoder sets them: a VideoFrame is
// droppable, and a key frame is marked as such; other video messages carry no flags.
export function videoFlags(message: VideoMessage): number {
  if (message.msg.case !== 'frame') return 0;
  return FLAG_DROPPABLE | (message.msg.value.keyFrame ? FLAG_KEY_FRAME : 0);
}

export function encodeVideo(init: MessageInitShape<typeof VideoMessageSchema>): Uint8Array<ArrayBuffer> {
  const message = asMessage(VideoMessageSchema, init);
  return encodeFrame(Channel.Video, toBinary(VideoMessageSchema, message), videoFlags(message));
}

export function encodeInput(init: MessageInitShape<typeof InputMessageSchema>): Uint8Array<ArrayBuffer> {
  return encodeFrame(Channel.Input, toBinary(InputMessageSchema, asMessage(InputMessageSchema, init)));
}

export function encodeClipboard(init: MessageInitShape<typeof ClipboardMessageSchema>): Uint8Array<ArrayBuffer> {
  return encodeFrame(Channel.Clipboard, toBinary(ClipboardMessageSchema, asMessage(ClipboardMessageSchema, init)));
}

export function decodeControl(payload: Uint8Array): ControlMessage {
  return fromBinary(ControlMessageSchema, payload);
}

export function decodeVideo(payload: Uint8Array): VideoMessage {
  return fromBinary(VideoMessageSchema, payload);
}

export function decodeInput(payload: Uint8Array): InputMessage {
  return fromBinary(InputMessageSchema, payload);
}

export function decodeClipboard(payload: Uint8Array): ClipboardMessage {
  return fromBinary(ClipboardMessageSchema, payload);
}

// Decodes a whole WebSocket message into a typed message. Throws FrameError for a bad header
// and the protobuf runtime's error for a payload that does not parse. Flags are reported, not
// acted on: they are for the relay. File (4) and chat (5)
// have no message types yet and are returned as { channel, payload } only.
export function decodeMessage(data: ArrayBuffer | ArrayBufferView): ChannelMessage | Frame {
  const frame = decodeFrame(data);
  if (isFrameError(frame)) throw frame.error;
  switch (frame.channel) {
    case Channel.Control: return { channel: Channel.Control, flags: frame.flags, message: decodeControl(frame.payload) };
    case Channel.Video: return { channel: Channel.Video, flags: frame.flags, message: decodeVideo(frame.payload) };
    case Channel.Input: return { channel: Channel.Input, flags: frame.flags, message: decodeInput(frame.payload) };
    case Channel.Clipboard: return { channel: Channel.Clipboard, flags: frame.flags, message: decodeClipboard(frame.payload) };
    default: return frame;
  }
}

function asMessage<D extends DescMessage>(schema: D, init: MessageInitShape<D>): MessageShape<D> {
  return create(schema, init);
}
