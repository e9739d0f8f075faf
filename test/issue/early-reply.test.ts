/**
 * Regression: the answerer's first message reaches the offerer before werift's DCEP ACK, so the
 * offerer's channel is still "connecting" when it must reply (e.g. with a chat ack). PeerLink must
 * treat the channel as open from the first frame on, or the reply is silently dropped and the
 * sender never sees "delivered".
 *
 * Whether the first frame overtakes the ACK depends on werift's async flush order, which shifts
 * under CPU load (that is how the session e2e test caught it), so this runs the race many times.
 */
import { afterEach, expect, it } from 'vitest';
import { PeerLink } from '../../src/peer/peer-link.js';
import type { SignalData } from '../../src/signaling/protocol.js';

const links: PeerLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});

it.each(Array.from({ length: 10 }, (_, i) => i))(
  'the offerer answers the first frame at once (round %i)',
  async () => {
    const peers: { offerer?: PeerLink; answerer?: PeerLink } = {};
    const hop = (to: 'offerer' | 'answerer') => (data: SignalData) =>
      void setImmediate(() => void peers[to]?.handleRemoteSignal(data));
    const offerer = new PeerLink({
      role: 'offerer',
      iceServers: [],
      loopbackOnly: true,
      sendSignal: hop('answerer'),
    });
    const answerer = new PeerLink({
      role: 'answerer',
      iceServers: [],
      loopbackOnly: true,
      sendSignal: hop('offerer'),
    });
    Object.assign(peers, { offerer, answerer });
    links.push(offerer, answerer);

    // The answerer speaks the moment its channel opens; the offerer replies to whatever it gets.
    answerer.on('open', () => answerer.send('hello from the answerer'));
    const replySent: boolean[] = [];
    offerer.on('message', (text) => replySent.push(offerer.send(`re: ${text}`)));
    const reply = new Promise<string>((resolve) => answerer.on('message', resolve));

    await Promise.all([answerer.start(), offerer.start()]);
    expect(await reply).toBe('re: hello from the answerer');
    expect(replySent).toEqual([true]);
  },
);
