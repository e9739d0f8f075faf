/**
 * The reference for bench:server: the least a relay can do with `ws` and still carry the same load.
 *
 * It pairs sockets in arrival order (the first waiting one becomes the offerer), forwards every other
 * frame byte-for-byte to the partner, and answers just enough of randchat's protocol for the same load
 * generator to drive it: `hello` → a canned `welcome`, `join`/`next` → `queued`/`matched`,
 * `next`/`leave`/close → `partner-left` to the partner. No JSON parsing, no validation, no rate limits,
 * no ids, no heartbeat, no resume. It reads the message type from fixed byte offsets, which only works
 * because the load generator always writes `{"type":"<type>"…` first.
 *
 * Same `ws` settings as the real server: no compression, no client tracking, a payload cap.
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer } from 'ws';

const WELCOME = '{"type":"welcome"}';
const QUEUED = '{"type":"queued"}';
const TYPE_AT = '{"type":"'.length;

/** `tls: {cert, key}` serves wss:// (same ws settings). */
export async function startMinimalRelay({ host = '127.0.0.1', port = 0, tls = null } = {}) {
  const answer = (_req, res) => {
    res.writeHead(426).end();
  };
  const http = tls ? createHttpsServer(tls, answer) : createServer(answer);
  const wss = new WebSocketServer({
    server: http,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 128 * 1024,
  });
  let waiting = null;
  let matches = 0;
  let connections = 0;

  const unpair = (ws) => {
    if (waiting === ws) waiting = null;
    const p = ws.partner;
    if (!p) return;
    ws.partner = null;
    p.partner = null;
    p.send(`{"type":"partner-left","matchId":"${p.matchId}","reason":"skipped"}`);
  };
  const pair = (ws) => {
    if (waiting === null || waiting === ws) {
      waiting = ws;
      ws.send(QUEUED);
      return;
    }
    const other = waiting;
    waiting = null;
    const id = `m${++matches}`;
    other.partner = ws;
    ws.partner = other;
    other.matchId = id;
    ws.matchId = id;
    ws.send(QUEUED);
    other.send(`{"type":"matched","matchId":"${id}","role":"offerer","gen":0,"interests":[]}`);
    ws.send(`{"type":"matched","matchId":"${id}","role":"answerer","gen":0,"interests":[]}`);
  };

  wss.on('connection', (ws) => {
    connections++;
    ws.partner = null;
    ws.matchId = '';
    ws.on('error', () => undefined);
    ws.on('close', () => {
      connections--;
      unpair(ws);
    });
    ws.on('message', (data, isBinary) => {
      const type = isBinary ? '' : data.toString('latin1', TYPE_AT, TYPE_AT + 4);
      if (type === 'sign') return void ws.partner?.send(data, { binary: false });
      if (type === 'hell') return void ws.send(WELCOME);
      if (type === 'join' || type === 'next') {
        unpair(ws);
        return pair(ws);
      }
      if (type === 'leav') return unpair(ws);
      ws.partner?.send(data, { binary: isBinary });
    });
  });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, resolve);
  });
  const address = http.address();
  return {
    url: `${tls ? 'wss' : 'ws'}://${host}:${address.port}`,
    port: address.port,
    connectionCount: () => connections,
    close: () =>
      new Promise((resolve) => {
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
