/** The `{t:'media'}` data-channel notice: validation, and re-sent on every new transport. */
import { describe, expect, it } from 'vitest';
import { ChatChannel } from '../../src/peer/chat-channel.js';
import { parsePeerMessage } from '../../src/peer/peer-message.js';

describe('media notice', () => {
  it.each([
    ['{"t":"media","video":true,"audio":false,"recording":false}', true],
    ['{"t":"media","video":true,"audio":false}', false],
    ['{"t":"media","video":"yes","audio":false,"recording":false}', false],
  ])('parses %s → ok=%s', (raw, ok) => {
    expect(parsePeerMessage(raw).ok).toBe(ok);
  });

  it('is sent when set, re-sent on every attach, and reported from the stranger', () => {
    const sent: string[] = [];
    const chat = new ChatChannel({ heartbeatMs: 60_000 });
    const seen: unknown[] = [];
    chat.on('media', (n) => seen.push(n));
    chat.media({ video: false, audio: true, recording: true }); // not attached: kept
    chat.attach({ send: (t) => (sent.push(t), true) });
    chat.detach();
    chat.attach({ send: (t) => (sent.push(t), true) });
    expect(sent.filter((t) => JSON.parse(t).t === 'media')).toHaveLength(2);
    chat.receive('{"t":"media","video":true,"audio":false,"recording":false}');
    expect(seen).toEqual([{ video: true, audio: false, recording: false }]);
    chat.close();
  });
});
