/** relay-only SDP scrubbing: nothing but relay candidates, related addresses blanked. */
import { describe, expect, it } from 'vitest';
import { relayOnlySdp } from '../../src/peer/relay.js';

describe('relayOnlySdp', () => {
  it('drops host/srflx candidates and blanks raddr/rport of relay ones', () => {
    const sdp = [
      'v=0',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'c=IN IP4 0.0.0.0',
      'a=candidate:1 1 udp 2130706431 192.168.1.20 50000 typ host generation 0',
      'a=candidate:2 1 udp 1694498815 203.0.113.7 50000 typ srflx raddr 192.168.1.20 rport 50000',
      'a=candidate:3 1 udp 16777215 198.51.100.9 49152 typ relay raddr 203.0.113.7 rport 50000 generation 0',
      'a=end-of-candidates',
      '',
    ].join('\r\n');
    const out = relayOnlySdp(sdp);
    expect(out).not.toMatch(/192\.168|203\.0\.113|typ host|typ srflx/);
    expect(out).toContain(
      'a=candidate:3 1 udp 16777215 198.51.100.9 49152 typ relay raddr 0.0.0.0 rport 0 generation 0\r\n',
    );
    expect(out).toContain('a=end-of-candidates\r\n');
  });
});
