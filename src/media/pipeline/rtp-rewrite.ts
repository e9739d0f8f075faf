/**
 * RTP continuity across source changes. Pure (time is a parameter).
 *
 * An encoder restart (keyframe on PLI, crash recovery) or a new peer-connection generation starts
 * a new RTP source: a new SSRC, a random sequence number and timestamp base. A decoder (ours or the
 * stranger's) would see a jump and drop or stall. The rewriter gives its output one SSRC and
 * payload type and keeps the sequence number and timestamp continuous: the first packet of a new
 * source follows the last packet sent, its timestamp advanced by the wall-clock time in between.
 * Within one source, gaps are kept (the receiver must see real loss). Packets from a source that
 * was replaced are dropped.
 */

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** The fixed RTP header fields of a packet, or null when it is not RTP version 2. */
export function readRtpHeader(buf: Buffer): RtpHeaderFields | null {
  if (buf.length < 12 || (buf[0]! & 0xc0) !== 0x80) return null;
  return {
    marker: (buf[1]! & 0x80) !== 0,
    payloadType: buf[1]! & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
  };
}

/** True if 16-bit sequence number `a` comes after `b` (RFC 3550 serial arithmetic). */
export function seqNewer(a: number, b: number): boolean {
  return a !== b && ((a - b) & 0xffff) < 0x8000;
}

export interface RtpRewriterOptions {
  /** SSRC and payload type written on every output packet. */
  ssrc: number;
  payloadType: number;
  /** RTP clock rate (90000 video, 48000 Opus). */
  clockRate: number;
  /** First output sequence number and timestamp (default: those of the first input packet). */
  initialSeq?: number;
  initialTimestamp?: number;
}

const RETIRED_KEPT = 8;

export class RtpRewriter {
  readonly #opts: RtpRewriterOptions;
  #source: number | null = null;
  readonly #retired: number[] = [];
  #seqDelta = 0;
  #tsDelta = 0;
  #lastSeq: number | null = null;
  #lastTs = 0;
  #lastAtMs = 0;
  /** Source changes seen (the first source counts as 0). */
  switches = 0;

  constructor(opts: RtpRewriterOptions) {
    this.#opts = opts;
  }

  /** The last output sequence number (null before the first packet). */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  /**
   * Rewrites `packet` in place and returns it, or returns null for a packet to drop (not RTP, or
   * from a replaced source). `nowMs` is the arrival time.
   */
  rewrite(packet: Buffer, nowMs: number): Buffer | null {
    const h = readRtpHeader(packet);
    if (!h) return null;
    if (h.ssrc !== this.#source) {
      if (this.#retired.includes(h.ssrc)) return null;
      this.#newSource(h, nowMs);
    }
    const seq = (h.sequenceNumber + this.#seqDelta) & 0xffff;
    const ts = (h.timestamp + this.#tsDelta) >>> 0;
    packet[1] = (packet[1]! & 0x80) | (this.#opts.payloadType & 0x7f);
    packet.writeUInt16BE(seq, 2);
    packet.writeUInt32BE(ts, 4);
    packet.writeUInt32BE(this.#opts.ssrc >>> 0, 8);
    if (this.#lastSeq === null || seqNewer(seq, this.#lastSeq)) {
      this.#lastSeq = seq;
      this.#lastTs = ts;
      this.#lastAtMs = nowMs;
    }
    return packet;
  }

  #newSource(h: RtpHeaderFields, nowMs: number): void {
    if (this.#source !== null) {
      this.#retired.push(this.#source);
      if (this.#retired.length > RETIRED_KEPT) this.#retired.shift();
      this.switches++;
    }
    this.#source = h.ssrc;
    let seq0: number;
    let ts0: number;
    if (this.#lastSeq === null) {
      seq0 = this.#opts.initialSeq ?? h.sequenceNumber;
      ts0 = this.#opts.initialTimestamp ?? h.timestamp;
    } else {
      seq0 = (this.#lastSeq + 1) & 0xffff;
      const elapsed = Math.max(1, Math.round(((nowMs - this.#lastAtMs) * this.#opts.clockRate) / 1000));
      ts0 = (this.#lastTs + elapsed) >>> 0;
    }
    this.#seqDelta = (seq0 - h.sequenceNumber) & 0xffff;
    this.#tsDelta = (ts0 - h.timestamp) >>> 0;
  }
}

/** Counts sequence gaps of one RTP stream (after rewriting): packets lost in between. Pure. */
export class GapDetector {
  #last: number | null = null;
  lost = 0;

  /** Returns how many packets are missing right before this one (0 = in order or late). */
  observe(seq: number): number {
    const last = this.#last;
    if (last === null || seqNewer(seq, last)) this.#last = seq;
    if (last === null || !seqNewer(seq, last)) return 0;
    const gap = ((seq - last) & 0xffff) - 1;
    this.lost += gap;
    return gap;
  }
}
