/**
 * The few pieces of the Redis protocol (RESP2) that the relay's own connections speak
 * (redis-publisher.ts, redis-subscriber.ts): encoding a command, reading replies incrementally,
 * reading a `redis://` URL as ioredis does, opening the socket, and the AUTH + CLIENT SETNAME opening.
 * Everything else goes through ioredis.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A command in RESP: an array of bulk strings. */
export function resp(...args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** A reply: simple or bulk string, integer, error, array, or null (nil bulk string or array). */
export type RespValue = string | number | RespError | RespValue[] | null;

export class RespError {
  constructor(readonly message: string) {}
}

const CR = 0x0d;

/**
 * Reads one reply at `off`: `[value, next offset]`, or null when `buf` ends before the reply does.
 * Throws on bytes that are not RESP2.
 */
export function parseReply(buf: Buffer, off: number): [RespValue, number] | null {
  if (off >= buf.length) return null;
  const eol = buf.indexOf(CR, off);
  if (eol < 0 || eol + 1 >= buf.length) return null;
  const head = buf.toString('latin1', off + 1, eol);
  const next = eol + 2;
  switch (buf[off]) {
    case 0x2b: // +
      return [buf.toString('utf8', off + 1, eol), next];
    case 0x2d: // -
      return [new RespError(buf.toString('utf8', off + 1, eol)), next];
    case 0x3a: // :
      return [Number(head), next];
    case 0x24: {
      // $
      const len = Number(head);
      if (len < 0) return [null, next];
      if (next + len + 2 > buf.length) return null;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case 0x2a: {
      // *
      const n = Number(head);
      if (n < 0) return [null, next];
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, at);
        if (r === null) return null;
        items.push(r[0]);
        at = r[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`not a RESP reply (byte ${buf[off]})`);
  }
}

/** Splits a connection's bytes into replies, across chunk boundaries. */
export class ReplyReader {
  #pending: Buffer | null = null;

  /**
   * Feeds one chunk: `onReply` gets each complete reply in order, until it returns false (the
   * connection is being dropped). Throws on bytes that are not RESP.
   */
  feed(chunk: Buffer, onReply: (v: RespValue) => boolean): void {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    let at = 0;
    for (let r = parseReply(buf, at); r !== null; r = parseReply(buf, at)) {
      at = r[1];
      if (!onReply(r[0])) return;
    }
    if (at < buf.length) this.#pending = buf.subarray(at);
  }

  reset(): void {
    this.#pending = null;
  }
}

/** Where and how to connect, from a `redis://` or `rediss://` URL (as ioredis reads it). */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
}

export function parseRedisUrl(url: string): RedisTarget {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`not a redis:// URL: ${u.protocol}`);
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    tls: u.protocol === 'rediss:',
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** AUTH (when the URL has a password) and CLIENT SETNAME: each answers `+OK`. */
export function opening(t: RedisTarget, name: string): string[][] {
  const cmds: string[][] = [];
  if (t.password !== '') {
    cmds.push(t.username !== '' ? ['AUTH', t.username, t.password] : ['AUTH', t.password]);
  }
  cmds.push(['CLIENT', 'SETNAME', name]);
  return cmds;
}

/** Opens the socket; `onOpen` runs once it is connected (after the TLS handshake for rediss://). */
export function openSocket(t: RedisTarget, onOpen: () => void): Socket {
  const socket = t.tls
    ? tlsConnect({ host: t.host, port: t.port, servername: t.host }, onOpen)
    : netConnect({ host: t.host, port: t.port }, onOpen);
  socket.setNoDelay(true);
  return socket;
}
