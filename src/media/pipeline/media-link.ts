/**
 * The werift side of the media for one peer-connection generation: our two local tracks (video,
 * audio; always sendrecv, whatever we send), the stranger's tracks, keyframe requests both ways.
 *
 * - `constructor` runs right after the RTCPeerConnection is created (the answerer's remote tracks
 *   appear while the offer is applied, before `prepare`).
 * - `prepare` adds our tracks: the offerer adds a transceiver per kind; the answerer reuses the
 *   offered ones (and adds none the stranger did not offer).
 * - PLI out: werift's `receiver.sendRtcpPLI` sets the PLI's sender SSRC to our own sender's SSRC,
 *   which the stranger's werift routes to its *receiver* (router: `ssrcTable[senderSsrc] ||
 *   ssrcTable[mediaSsrc]`), so the request is lost. We build the PLI with an unused sender SSRC.
 */
import { randomInt } from 'node:crypto';
import {
  MediaStreamTrack,
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  type RTCPeerConnection,
  type RTCRtpTransceiver,
} from 'werift';
import type { Role } from '../../signaling/protocol.js';
import type { VideoCodec } from '../ffmpeg/args-send.js';

export interface MediaLinkHandlers {
  /** An RTP packet of the stranger's video/audio (serialized). */
  remoteRtp(kind: 'video' | 'audio', packet: Buffer): void;
  /** The stranger asked for a keyframe. */
  keyframeRequested(): void;
  /** The codec the stranger sends video with (from the payload type). */
  remoteVideoCodec(codec: VideoCodec): void;
}

type Kind = 'video' | 'audio';

export class MediaLink {
  readonly #pc: RTCPeerConnection;
  /** Where the stranger's packets go; they are dropped until this is set. */
  handlers: MediaLinkHandlers | null = null;
  readonly #tracks: Record<Kind, MediaStreamTrack> = {
    video: new MediaStreamTrack({ kind: 'video' }),
    audio: new MediaStreamTrack({ kind: 'audio' }),
  };
  readonly #transceivers: Partial<Record<Kind, RTCRtpTransceiver>> = {};
  readonly #remoteSsrc: Partial<Record<Kind, number>> = {};
  readonly #subs: (() => void)[] = [];
  readonly #pliSenderSsrc = randomInt(1, 2 ** 31);
  #remoteCodec: VideoCodec | null = null;
  #closed = false;

  constructor(pc: RTCPeerConnection) {
    this.#pc = pc;
    this.#sub(pc.onTrack, (track) => this.#onRemoteTrack(track));
  }

  get pc(): RTCPeerConnection {
    return this.#pc;
  }

  /** Adds our tracks; call before creating the local description. */
  prepare(role: Role): void {
    if (this.#closed) return;
    for (const kind of ['video', 'audio'] as const) {
      const track = this.#tracks[kind];
      if (role === 'offerer') {
        this.#transceivers[kind] = this.#pc.addTransceiver(track, { direction: 'sendrecv' });
      } else {
        if (!this.#pc.getTransceivers().some((t) => t.kind === kind)) continue; // not offered
        this.#pc.addTrack(track);
        this.#transceivers[kind] = this.#pc.getTransceivers().find((t) => t.sender.track === track);
      }
      const t = this.#transceivers[kind];
      if (kind === 'video' && t)
        this.#sub(t.sender.onPictureLossIndication, () => this.handlers?.keyframeRequested());
    }
  }

  /** The negotiated codec of our video sender, once known. */
  localVideoCodec(): VideoCodec | null {
    return codecOf(this.#transceivers.video?.sender.codec?.mimeType);
  }

  /** Sends one of our RTP packets (queued by werift until DTLS is up: `pendingRtp`). */
  write(kind: Kind, packet: Buffer): void {
    if (this.#closed || !this.#transceivers[kind]) return;
    try {
      this.#tracks[kind].writeRtp(packet);
    } catch {
      // the connection is closing
    }
  }

  /** Asks the stranger for a video keyframe (RTCP PLI). */
  requestKeyframe(): void {
    const t = this.#videoReceiverTransceiver();
    const mediaSsrc = this.#remoteSsrc.video;
    if (this.#closed || !t || mediaSsrc === undefined) return;
    const pli = new RtcpPayloadSpecificFeedback({
      feedback: new PictureLossIndication({ senderSsrc: this.#pliSenderSsrc, mediaSsrc }),
    });
    t.receiver.dtlsTransport?.sendRtcp([pli]).catch(() => undefined);
  }

  close(): void {
    this.#closed = true;
    for (const off of this.#subs.splice(0)) off();
    for (const track of Object.values(this.#tracks)) track.stop();
  }

  #videoReceiverTransceiver(): RTCRtpTransceiver | undefined {
    return this.#pc.getTransceivers().find((t) => t.kind === 'video');
  }

  #onRemoteTrack(track: MediaStreamTrack): void {
    const kind = track.kind === 'audio' ? 'audio' : track.kind === 'video' ? 'video' : null;
    if (!kind || this.#closed) return;
    const transceiver = this.#pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    this.#sub(track.onReceiveRtp, (rtp) => {
      const h = this.handlers;
      if (this.#closed || !h) return;
      this.#remoteSsrc[kind] = rtp.header.ssrc;
      if (kind === 'video') {
        const pt = rtp.header.payloadType;
        const codec = codecOf(transceiver?.codecs.find((c) => c.payloadType === pt)?.mimeType);
        if (codec && codec !== this.#remoteCodec) {
          this.#remoteCodec = codec;
          h.remoteVideoCodec(codec);
        }
      }
      h.remoteRtp(kind, rtp.serialize());
    });
  }

  #sub<T extends unknown[]>(
    event: { subscribe(fn: (...args: T) => void): { unSubscribe(): void } },
    fn: (...args: T) => void,
  ): void {
    this.#subs.push(event.subscribe(fn).unSubscribe);
  }
}

function codecOf(mimeType: string | undefined): VideoCodec | null {
  const m = mimeType?.toLowerCase();
  return m === 'video/vp8' ? 'vp8' : m === 'video/h264' ? 'h264' : null;
}
