/** ffmpeg argument builders (all pure): sources, sending, receiving, SDP. */
export * from './sources.js';
export * from './args-send.js';
export * from './args-receive.js';
export * from './sdp.js';
