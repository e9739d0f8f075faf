import { describe, expect, it } from 'vitest';
import {
  parseArecordList,
  parseAvfoundationDevices,
  parseDshowDevices,
  parsePactlSources,
  parseV4l2Formats,
  summarizeV4l2Formats,
} from '../../src/media/ffmpeg/device-parsers.js';

// Captured outputs (addresses and ids as printed by the tools).
const AVFOUNDATION = `[AVFoundation indev @ 0x7fb2c2d04a40] AVFoundation video devices:
[AVFoundation indev @ 0x7fb2c2d04a40] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fb2c2d04a40] [1] OBS Virtual Camera
[AVFoundation indev @ 0x7fb2c2d04a40] [2] Capture screen 0
[AVFoundation indev @ 0x7fb2c2d04a40] AVFoundation audio devices:
[AVFoundation indev @ 0x7fb2c2d04a40] [0] MacBook Pro Microphone
[AVFoundation indev @ 0x7fb2c2d04a40] [1] ZoomAudioDevice
: Input/output error
`;
const AVFOUNDATION_OLD = `[AVFoundation input device @ 0x7f9e4bc0f2e0] AVFoundation video devices:
[AVFoundation input device @ 0x7f9e4bc0f2e0] [0] FaceTime HD Camera (Built-in)
[AVFoundation input device @ 0x7f9e4bc0f2e0] AVFoundation audio devices:
[AVFoundation input device @ 0x7f9e4bc0f2e0] [0] Built-in Microphone
`;
const DSHOW_NEW = `[dshow @ 000001f6d0a1e2c0] "Integrated Webcam" (video)
[dshow @ 000001f6d0a1e2c0]   Alternative name "@device_pnp_\\\\?\\usb#vid_0bda&pid_58c2&mi_00#6&2a5e7f&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\\global"
[dshow @ 000001f6d0a1e2c0] "OBS Virtual Camera" (none)
[dshow @ 000001f6d0a1e2c0]   Alternative name "@device_sw_{860BB310-5D01-11D0-BD3B-00A0C911CE86}\\{A3FCE0F5-3493-419F-958A-ABA1250EC20B}"
[dshow @ 000001f6d0a1e2c0] "Microphone Array (Realtek(R) Audio)" (audio)
[dshow @ 000001f6d0a1e2c0]   Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{5A2B6C1D-7E8F-4A9B-8C0D-1E2F3A4B5C6D}"
[dshow @ 000001f6d0a1e2c0] "Elgato Cam Link" (audio, video)
dummy: Immediate exit requested
`;
const DSHOW_OLD = `[dshow @ 0000000000a2c3e0] DirectShow video devices (some may be both video and audio devices)
[dshow @ 0000000000a2c3e0]  "HD Pro Webcam C920"
[dshow @ 0000000000a2c3e0]     Alternative name "@device_pnp_\\\\?\\usb#vid_046d&pid_082d&mi_00#7&1b2e3f4&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\\global"
[dshow @ 0000000000a2c3e0] DirectShow audio devices
[dshow @ 0000000000a2c3e0]  "Microphone (HD Pro Webcam C920)"
[dshow @ 0000000000a2c3e0]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{8D4C0E7A-1B2C-4D3E-9F40-5A6B7C8D9E0F}"
dummy: Immediate exit requested
`;
const DSHOW_NONE = `[dshow @ 0000021a0b6e1d40] Could not enumerate video devices (or none found).
[dshow @ 0000021a0b6e1d40] Could not enumerate audio only devices (or none found).
dummy: Immediate exit requested
`;
const V4L2 = `[video4linux2,v4l2 @ 0x55d0c1c8a7c0] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x180 320x240 424x240 640x360 848x480 960x540 1280x720
[video4linux2,v4l2 @ 0x55d0c1c8a7c0] Compressed:       mjpeg :          Motion-JPEG : 640x480 320x180 320x240 424x240 640x360 848x480 960x540 1280x720 1920x1080
/dev/video0: Immediate exit requested
`;
const V4L2_META = `[video4linux2,v4l2 @ 0x5581a3c1b7c0] ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device
/dev/video1: Inappropriate ioctl for device
`;
const PACTL = `0\talsa_output.pci-0000_00_1f.3.analog-stereo.monitor\tmodule-alsa-card.c\ts16le 2ch 44100Hz\tSUSPENDED
1\talsa_input.pci-0000_00_1f.3.analog-stereo\tmodule-alsa-card.c\ts16le 2ch 44100Hz\tSUSPENDED
54\talsa_input.usb-046d_HD_Pro_Webcam_C920-02.analog-stereo\tPipeWire\ts16le 2ch 48000Hz\tRUNNING
`;
const ARECORD = `**** List of CAPTURE Hardware Devices ****
card 0: PCH [HDA Intel PCH], device 0: ALC892 Analog [ALC892 Analog]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
card 2: C920 [HD Pro Webcam C920], device 0: USB Audio [USB Audio]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
`;

describe('avfoundation', () => {
  it('cameras and microphones by index; screens marked', () => {
    expect(parseAvfoundationDevices(AVFOUNDATION)).toEqual([
      { kind: 'video', id: '0', name: 'FaceTime HD Camera', backend: 'avfoundation' },
      { kind: 'video', id: '1', name: 'OBS Virtual Camera', backend: 'avfoundation' },
      { kind: 'video', id: '2', name: 'Capture screen 0', backend: 'avfoundation', detail: 'screen capture' },
      { kind: 'audio', id: '0', name: 'MacBook Pro Microphone', backend: 'avfoundation' },
      { kind: 'audio', id: '1', name: 'ZoomAudioDevice', backend: 'avfoundation' },
    ]);
  });
  it('older "input device" prefix', () => {
    expect(parseAvfoundationDevices(AVFOUNDATION_OLD).map((d) => `${d.kind}:${d.id}:${d.name}`)).toEqual([
      'video:0:FaceTime HD Camera (Built-in)',
      'audio:0:Built-in Microphone',
    ]);
  });
});

describe('dshow', () => {
  it.each([
    [
      'ffmpeg ≥ 4.4 layout',
      DSHOW_NEW,
      [
        'video:Integrated Webcam',
        'audio:Microphone Array (Realtek(R) Audio)',
        'audio:Elgato Cam Link',
        'video:Elgato Cam Link',
      ],
    ],
    ['ffmpeg ≤ 4.3 layout', DSHOW_OLD, ['video:HD Pro Webcam C920', 'audio:Microphone (HD Pro Webcam C920)']],
    ['none found', DSHOW_NONE, []],
  ])('%s', (_name, text, expected) => {
    const devices = parseDshowDevices(text);
    expect(devices.map((d) => `${d.kind}:${d.id}`)).toEqual(expected);
    expect(devices.every((d) => d.backend === 'dshow' && d.name === d.id)).toBe(true);
  });
});

describe('v4l2', () => {
  it('raw and compressed formats with sizes', () => {
    const formats = parseV4l2Formats(V4L2);
    expect(formats.map((f) => [f.compressed, f.format, f.sizes.length])).toEqual([
      [false, 'yuyv422', 8],
      [true, 'mjpeg', 9],
    ]);
    expect(summarizeV4l2Formats(formats)).toBe('yuyv422 320x180…1280x720, mjpeg 320x180…1920x1080');
  });
  it('a metadata node lists no formats', () => {
    expect(parseV4l2Formats(V4L2_META)).toEqual([]);
  });
});

describe('linux audio', () => {
  it('pactl sources without monitors', () => {
    expect(parsePactlSources(PACTL)).toEqual([
      {
        kind: 'audio',
        id: 'pulse:alsa_input.pci-0000_00_1f.3.analog-stereo',
        name: 'alsa_input.pci-0000_00_1f.3.analog-stereo',
        backend: 'pulse',
        detail: 's16le 2ch 44100Hz',
      },
      {
        kind: 'audio',
        id: 'pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920-02.analog-stereo',
        name: 'alsa_input.usb-046d_HD_Pro_Webcam_C920-02.analog-stereo',
        backend: 'pulse',
        detail: 's16le 2ch 48000Hz',
      },
    ]);
    expect(parsePactlSources('')).toEqual([]);
  });
  it('arecord -l cards as alsa:hw:CARD,DEVICE', () => {
    expect(parseArecordList(ARECORD)).toEqual([
      { kind: 'audio', id: 'alsa:hw:0,0', name: 'HDA Intel PCH — ALC892 Analog', backend: 'alsa' },
      { kind: 'audio', id: 'alsa:hw:2,0', name: 'HD Pro Webcam C920 — USB Audio', backend: 'alsa' },
    ]);
    expect(parseArecordList('arecord: device_list:274: no soundcards found...')).toEqual([]);
  });
});
