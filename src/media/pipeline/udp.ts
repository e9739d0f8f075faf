/** Loopback UDP helpers: every socket the pipeline uses is bound to 127.0.0.1. */
import dgram from 'node:dgram';
import type { Clock } from '../../util/clock.js';
import type { RtpRewriter } from './rtp-rewrite.js';

export const LOOPBACK = '127.0.0.1';

/** A UDP socket bound to 127.0.0.1 on a port the OS picks. */
export async function bindLoopback(): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, LOOPBACK, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.unref();
  return sock;
}

/**
 * The senders' RTP intake: a loopback socket for the encoder ffmpeg to send RTP to. Each packet is
 * rewritten (one continuous SSRC / sequence / timestamp line across encoder restarts) and handed to
 * `onRtp`; packets the rewriter drops never reach it.
 */
export async function openRtpIntake(
  rewriter: RtpRewriter,
  clock: Clock,
  onRtp: (packet: Buffer) => void,
): Promise<dgram.Socket> {
  const socket = await bindLoopback();
  socket.on('message', (msg) => {
    const out = rewriter.rewrite(msg, clock.now());
    if (out) onRtp(out);
  });
  return socket;
}

/**
 * A port P such that P and P+1 (RTP and RTCP: ffmpeg's SDP input binds both) are free on
 * 127.0.0.1 right now. ffmpeg binds them itself, so another process could take them in between;
 * callers restart on a bind failure.
 */
export async function freePortPair(attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const a = await bindLoopback();
    const port = a.address().port;
    if (port >= 65535) {
      a.close();
      continue;
    }
    const b = dgram.createSocket({ type: 'udp4' });
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, LOOPBACK, () => resolve(true));
    });
    a.close();
    try {
      b.close();
    } catch {
      // never bound
    }
    if (ok) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}
