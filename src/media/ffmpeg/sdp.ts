/**
 * A minimal SDP describing RTP that arrives on loopback ports, for ffmpeg's `-f sdp` input.
 * Pure. Lines end with CRLF (RFC 4566). ffmpeg listens on each PORT for RTP and on PORT+1 for
 * RTCP, so both must be free.
 */
import type { VideoCodec } from './args-send.js';

export interface SdpVideo {
  port: number;
  payloadType: number;
  codec: VideoCodec;
}

export interface SdpAudio {
  port: number;
  payloadType: number;
  codec: 'opus';
}

export interface SdpOptions {
  video?: SdpVideo;
  audio?: SdpAudio;
  /** Connection address (default 127.0.0.1). */
  host?: string;
}

export function buildSdp(opts: SdpOptions): string {
  if (!opts.video && !opts.audio) throw new RangeError('buildSdp: no video and no audio');
  const host = opts.host ?? '127.0.0.1';
  const lines = ['v=0', `o=- 0 0 IN IP4 ${host}`, 's=randchat', `c=IN IP4 ${host}`, 't=0 0'];
  if (opts.video) {
    const { port, payloadType: pt, codec } = checked(opts.video);
    lines.push(`m=video ${port} RTP/AVP ${pt}`);
    if (codec === 'vp8') lines.push(`a=rtpmap:${pt} VP8/90000`);
    else lines.push(`a=rtpmap:${pt} H264/90000`, `a=fmtp:${pt} packetization-mode=1`);
  }
  if (opts.audio) {
    const { port, payloadType: pt } = checked(opts.audio);
    lines.push(`m=audio ${port} RTP/AVP ${pt}`, `a=rtpmap:${pt} opus/48000/2`);
  }
  return lines.map((l) => l + '\r\n').join('');
}

function checked<T extends { port: number; payloadType: number }>(m: T): T {
  if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65534)
    throw new RangeError(`bad RTP port ${m.port}`);
  if (!Number.isInteger(m.payloadType) || m.payloadType < 0 || m.payloadType > 127)
    throw new RangeError(`bad payload type ${m.payloadType}`);
  return m;
}
