import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  capabilitiesFrom,
  parseCodecList,
  parseDeviceList,
  parseFfmpegVersion,
} from '../../src/media/ffmpeg/capabilities.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');

function listings(build: '5.1' | '4.1') {
  return {
    encoders: fixture(`${build}-encoders.txt`),
    decoders: fixture(`${build}-decoders.txt`),
    devices: fixture(`${build}-devices.txt`),
    helpLong: fixture(`${build}-help-long-excerpt.txt`),
    sdpHelp: fixture(`${build}-sdp-help.txt`),
  };
}

describe('capabilities from captured listings', () => {
  it('Debian ffmpeg 5.1', () => {
    const c = capabilitiesFrom(listings('5.1'));
    expect(c.encoders).toEqual({ libvpx: true, libx264: true, libopus: true });
    expect(c.decoders).toEqual({ vp8: true, h264: true, opus: true });
    expect(c.input).toEqual({
      lavfi: true,
      v4l2: true,
      pulse: true,
      alsa: true,
      avfoundation: false,
      dshow: false,
    });
    expect(c.output).toEqual({ pulse: true, alsa: true, audiotoolbox: false });
    expect(c.options).toEqual({ fpsMode: true, sdpLocalAddr: true });
    expect(c.all.inputDevices).toContain('video4linux2');
    expect(c.all.outputDevices).toEqual(expect.arrayContaining(['sdl', 'sdl2', 'caca']));
  });

  it('@ffmpeg-installer static 4.1: no pulse, no -fps_mode, no sdp -localaddr', () => {
    const c = capabilitiesFrom(listings('4.1'));
    expect(c.encoders).toEqual({ libvpx: true, libx264: true, libopus: true });
    expect(c.input.pulse).toBe(false);
    expect(c.input.alsa).toBe(true);
    expect(c.output).toEqual({ pulse: false, alsa: true, audiotoolbox: false });
    expect(c.options).toEqual({ fpsMode: false, sdpLocalAddr: false });
  });

  it('without optional help texts the options read as absent', () => {
    const { encoders, decoders, devices } = listings('5.1');
    expect(capabilitiesFrom({ encoders, decoders, devices }).options).toEqual({
      fpsMode: false,
      sdpLocalAddr: false,
    });
  });
});

describe('parsers', () => {
  it('codec rows after the ------ line, with kinds', () => {
    const text = [
      'Encoders:',
      ' V..... = Video',
      ' ------',
      ' V....D libvpx   libvpx VP8 (codec vp8)',
      ' A..X.. opus     Opus',
      '',
    ].join('\n');
    expect(parseCodecList(text)).toEqual([
      { name: 'libvpx', kind: 'video', description: 'libvpx VP8 (codec vp8)' },
      { name: 'opus', kind: 'audio', description: 'Opus' },
    ]);
  });

  it('device rows with aliases and D/E flags', () => {
    const text = [
      'Devices:',
      ' D. = Demuxing supported',
      ' --',
      ' DE video4linux2,v4l2 Video4Linux2 output device',
      '  E sdl,sdl2        SDL2 output device',
      ' D  lavfi           Libavfilter virtual input device',
    ].join('\n');
    expect(parseDeviceList(text)).toEqual([
      { names: ['video4linux2', 'v4l2'], demux: true, mux: true, description: 'Video4Linux2 output device' },
      { names: ['sdl', 'sdl2'], demux: false, mux: true, description: 'SDL2 output device' },
      { names: ['lavfi'], demux: true, mux: false, description: 'Libavfilter virtual input device' },
    ]);
  });

  it.each([
    ['ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers', '5.1.9-0+deb12u1'],
    [
      'ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/',
      'N-47683-g0e8eb07980-static',
    ],
    ['ffmpeg version 6.1.1 Copyright', '6.1.1'],
    ['Usage: something else', undefined],
  ])('version of %j', (text, version) => expect(parseFfmpegVersion(text)).toBe(version));
});
