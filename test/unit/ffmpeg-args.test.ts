import { describe, expect, it } from 'vitest';
import {
  buildRecordArgs,
  buildReceiveAudioArgs,
  buildReceiveVideoArgs,
  buildSdp,
  buildSendArgs,
  MediaArgError,
  parseAudioSource,
  parseVideoSource,
  ssrcToInt32,
  type AudioSource,
  type MediaPlatform,
  type VideoSource,
} from '../../src/media/ffmpeg/args.js';

const PLATFORMS: MediaPlatform[] = ['linux', 'darwin', 'win32'];
const videoRtp = { port: 50000, payloadType: 96, ssrc: 0x11223344 };
const audioRtp = { port: 50002, payloadType: 111, ssrc: 0xfedcba98 };

describe('source specs', () => {
  it.each<[string, VideoSource]>([
    ['webcam', { kind: 'webcam' }],
    ['webcam:/dev/video2', { kind: 'webcam', device: '/dev/video2' }],
    ['webcam:USB Camera: HD', { kind: 'webcam', device: 'USB Camera: HD' }],
    ['test', { kind: 'test' }],
    ['file:C:\\clips\\a.webm', { kind: 'file', path: 'C:\\clips\\a.webm' }],
    ['none', { kind: 'none' }],
  ])('video %j', (spec, expected) => expect(parseVideoSource(spec)).toEqual(expected));

  it.each<[string, AudioSource]>([
    ['mic', { kind: 'mic' }],
    ['mic:alsa:hw:1,0', { kind: 'mic', backend: 'alsa', device: 'hw:1,0' }],
    ['mic:pulse:alsa_input.usb', { kind: 'mic', backend: 'pulse', device: 'alsa_input.usb' }],
    ['mic:Microphone (Realtek)', { kind: 'mic', device: 'Microphone (Realtek)' }],
    ['tone', { kind: 'tone' }],
    ['tone:1000', { kind: 'tone', frequency: 1000 }],
    ['file:song.ogg', { kind: 'file', path: 'song.ogg' }],
    ['none', { kind: 'none' }],
  ])('audio %j', (spec, expected) => expect(parseAudioSource(spec)).toEqual(expected));

  it.each(['camera2', 'file:', 'tone:0', 'tone:abc', 'speaker'])('rejects %j with a coded error', (spec) => {
    const parse = spec.startsWith('tone') || spec === 'speaker' ? parseAudioSource : parseVideoSource;
    expect(() => parse(spec)).toThrow(MediaArgError);
    try {
      parse(spec);
    } catch (err) {
      expect((err as MediaArgError).code).toBe('ERR_BAD_MEDIA_SOURCE');
    }
  });
});

describe('buildSendArgs', () => {
  describe.each(PLATFORMS)('%s', (platform) => {
    const device = platform === 'win32' ? 'Integrated Webcam' : undefined;
    const mic = platform === 'win32' ? 'Microphone Array' : undefined;
    it.each<[string, VideoSource, AudioSource]>([
      [
        'webcam + mic',
        { kind: 'webcam', ...(device ? { device } : {}) },
        { kind: 'mic', ...(mic ? { device: mic } : {}) },
      ],
      ['test + tone', { kind: 'test' }, { kind: 'tone' }],
      ['file + file', { kind: 'file', path: 'clip.webm' }, { kind: 'file', path: 'clip.webm' }],
      ['webcam only', { kind: 'webcam', ...(device ? { device } : {}) }, { kind: 'none' }],
      ['mic only', { kind: 'none' }, { kind: 'mic', ...(mic ? { device: mic } : {}) }],
    ])('%s (vp8)', (_name, video, audio) => {
      expect(buildSendArgs({ platform, video, audio, videoRtp, audioRtp })).toMatchSnapshot();
    });
  });

  it('h264, custom size, fps, bitrate, GOP and a given test-pattern expression', () => {
    expect(
      buildSendArgs({
        platform: 'linux',
        video: { kind: 'test', lavfi: 'testsrc2=size=320x240:rate=15,drawtext=text=%{n}' },
        audio: { kind: 'none' },
        videoRtp: { ...videoRtp, host: '127.0.0.1', pktSize: 1000 },
        videoCodec: 'h264',
        width: 320,
        height: 240,
        fps: 15,
        videoBitrate: 500_000,
        gop: 15,
        rtcp: true,
      }),
    ).toMatchSnapshot();
  });

  it('linux mic backends', () => {
    const alsa = buildSendArgs({
      platform: 'linux',
      video: { kind: 'none' },
      audio: { kind: 'mic', backend: 'alsa', device: 'hw:1,0' },
      audioRtp,
    });
    expect(alsa.slice(alsa.indexOf('-f'), alsa.indexOf('-i') + 2)).toEqual(['-f', 'alsa', '-i', 'hw:1,0']);
  });

  it('passes SSRCs ≥ 2^31 as ffmpeg int32 values', () => {
    expect(ssrcToInt32(0xfedcba98)).toBe(-19088744);
    expect(ssrcToInt32(5)).toBe(5);
    expect(() => ssrcToInt32(2 ** 32)).toThrow(RangeError);
    const args = buildSendArgs({
      platform: 'linux',
      video: { kind: 'none' },
      audio: { kind: 'tone' },
      audioRtp,
    });
    expect(args[args.indexOf('-ssrc') + 1]).toBe('-19088744');
  });

  it('refuses impossible combinations', () => {
    expect(() =>
      buildSendArgs({ platform: 'linux', video: { kind: 'none' }, audio: { kind: 'none' } }),
    ).toThrow(RangeError);
    expect(() =>
      buildSendArgs({ platform: 'linux', video: { kind: 'test' }, audio: { kind: 'none' } }),
    ).toThrow(/videoRtp/);
    expect(() =>
      buildSendArgs({ platform: 'win32', video: { kind: 'webcam' }, audio: { kind: 'none' }, videoRtp }),
    ).toThrow(MediaArgError);
  });

  it('never uses a shell-sensitive form: every element is one argument', () => {
    const args = buildSendArgs({
      platform: 'win32',
      video: { kind: 'webcam', device: 'My "Cam" & Co' },
      audio: { kind: 'none' },
      videoRtp,
    });
    expect(args).toContain('video=My "Cam" & Co');
  });
});

describe('receive and record', () => {
  it('video: SDP from stdin or a file, raw rgb24 frames of the asked size', () => {
    expect(buildReceiveVideoArgs({ sdp: 'stdin', width: 160, height: 96 })).toMatchSnapshot();
    expect(
      buildReceiveVideoArgs({
        sdp: { file: '/tmp/in.sdp' },
        width: 80,
        height: 48,
        localAddr: '127.0.0.1',
        fpsModeFlag: 'fps_mode',
        pixFmt: 'rgba',
        scaler: 'area',
      }),
    ).toMatchSnapshot();
    expect(() => buildReceiveVideoArgs({ sdp: 'stdin', width: 0, height: 10 })).toThrow(RangeError);
  });

  it('stdin is only kept open when the SDP comes through it', () => {
    expect(buildReceiveVideoArgs({ sdp: 'stdin', width: 2, height: 2 })).not.toContain('-nostdin');
    expect(buildReceiveVideoArgs({ sdp: { file: 'x.sdp' }, width: 2, height: 2 })).toContain('-nostdin');
    expect(
      buildSendArgs({ platform: 'linux', video: { kind: 'test' }, audio: { kind: 'none' }, videoRtp }),
    ).toContain('-nostdin');
  });

  it.each<[string, Parameters<typeof buildReceiveAudioArgs>[0]]>([
    ['linux pulse', { sdp: 'stdin', platform: 'linux', sink: { kind: 'speaker' } }],
    ['linux alsa', { sdp: 'stdin', platform: 'linux', sink: { kind: 'speaker', backend: 'alsa' } }],
    ['darwin', { sdp: 'stdin', platform: 'darwin', sink: { kind: 'speaker' } }],
    [
      'pcm',
      { sdp: { file: 'a.sdp' }, platform: 'win32', sink: { kind: 'pcm', sampleRate: 16000, channels: 1 } },
    ],
  ])('audio: %s', (_name, opts) => {
    expect(buildReceiveAudioArgs(opts)).toMatchSnapshot();
  });

  it('audio: no speaker sink on Windows', () => {
    expect(() =>
      buildReceiveAudioArgs({ sdp: 'stdin', platform: 'win32', sink: { kind: 'speaker' } }),
    ).toThrow(/pcm/);
  });

  it('record: stream copy into webm (or matroska)', () => {
    expect(buildRecordArgs({ sdp: { file: 'call.sdp' }, path: 'call.webm' })).toMatchSnapshot();
    expect(buildRecordArgs({ sdp: 'stdin', path: 'call.mkv', format: 'matroska' })).toContain('matroska');
  });
});

describe('buildSdp', () => {
  it('video VP8 + audio Opus on loopback, CRLF lines', () => {
    expect(
      buildSdp({
        video: { port: 40000, payloadType: 96, codec: 'vp8' },
        audio: { port: 40002, payloadType: 111, codec: 'opus' },
      }).split('\r\n'),
    ).toEqual([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=randchat',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=video 40000 RTP/AVP 96',
      'a=rtpmap:96 VP8/90000',
      'm=audio 40002 RTP/AVP 111',
      'a=rtpmap:111 opus/48000/2',
      '',
    ]);
  });

  it('H.264 gets packetization-mode=1', () => {
    expect(buildSdp({ video: { port: 40000, payloadType: 102, codec: 'h264' } })).toContain(
      'a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1\r\n',
    );
  });

  it.each([
    [{}],
    [{ video: { port: 0, payloadType: 96, codec: 'vp8' as const } }],
    [{ video: { port: 65535, payloadType: 96, codec: 'vp8' as const } }],
    [{ audio: { port: 4000, payloadType: 128, codec: 'opus' as const } }],
  ])('rejects %j', (opts) => {
    expect(() => buildSdp(opts)).toThrow(RangeError);
  });
});
