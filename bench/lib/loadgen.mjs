/**
 * Child process for bench:server: the load generator. It speaks randchat's wire protocol with bare
 * `ws` clients and drives whichever server it is pointed at (randchat's or the minimal relay) the
 * same way. Commands arrive over IPC; each answers once with {id, ...result} or {id, error}.
 *
 *   {cmd:'idle', url, count, caFile?}             open `count` sockets, hello each, wait for every welcome
 *                                                 (caFile: trust this certificate for a wss:// url)
 *   {cmd:'close-all'}                             terminate every socket this process holds
 *   {cmd:'cycles', url, clients, warmupMs, durationMs}
 *   {cmd:'latency', url, pairs, rate, warmupMs, durationMs}
 *
 * During `cycles` and `latency` it sends {type:'mark', phase:'start'|'end'} at the edges of the
 * measured window so the orchestrator can sample the server's CPU time there.
 *
 * To keep the generator cheap it writes frames by string concatenation and recognises the frames it
 * gets by their prefix (`{"type":"signal"…`), parsing JSON only for the small control messages.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const now = () => performance.now();
const HELLO = '{"type":"hello","v":1,"client":"bench"}';
const JOIN = '{"type":"join"}';
const NEXT = '{"type":"next"}';
const LEAVE = '{"type":"leave"}';
const SIGNAL_PREFIX = '{"type":"signal"';
const CONNECT_CONCURRENCY = 200;
const CONNECT_TIMEOUT_MS = 60_000;

// ------------------------------------------------------------------ payloads

/** A plausible ~3 KB SDP (a data channel plus audio/video sections' worth of attribute lines). */
function fakeSdp(type) {
  const lines = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1 2',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:bnch',
    'a=ice-pwd:benchbenchbenchbenchbench',
    'a=fingerprint:sha-256 ' +
      Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':'),
    `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
  for (let pt = 96; lines.join('\r\n').length < 2900; pt++) {
    lines.push(`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} nack pli`, `a=fmtp:${pt} max-fs=12288;max-fr=60`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
const OFFER_DATA = JSON.stringify({ kind: 'description', type: 'offer', sdp: fakeSdp('offer') });
const ANSWER_DATA = JSON.stringify({ kind: 'description', type: 'answer', sdp: fakeSdp('answer') });
/** ~200 B candidate; the `ts=` field carries a send timestamp in the latency test. */
const candidateData = (ts) =>
  JSON.stringify({
    kind: 'candidate',
    candidate: `candidate:2437536512 1 udp 2122260223 127.0.0.1 54321 typ host generation 0 ufrag bnch network-id 1 ts=${ts}`,
    sdpMid: '0',
    sdpMLineIndex: 0,
  });
const CANDIDATE_DATA = candidateData(0);
const signal = (matchId, data) => `{"type":"signal","matchId":"${matchId}","gen":0,"data":${data}}`;

// ------------------------------------------------------------------ sockets

const sockets = new Set();

/** Opens one client socket; `onText(ws, text)` gets every frame as a string. `ca`: for wss://. */
function open(url, onText, ca) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ca ? { perMessageDeflate: false, ca } : { perMessageDeflate: false });
    sockets.add(ws);
    ws.on('message', (data) => onText(ws, data.toString()));
    ws.once('open', () => resolve(ws));
    ws.once('error', (err) => reject(err));
    ws.on('close', () => sockets.delete(ws));
  });
}

/**
 * Opens `count` sockets with at most CONNECT_CONCURRENCY handshakes in flight. `url` may be a list
 * (several server nodes): socket i goes to url[i % length].
 */
async function openMany(url, count, onText, ca, onOpen = () => {}) {
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await open(Array.isArray(url) ? url[i % url.length] : url, onText, ca);
      onOpen(out[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count) }, worker));
  return out;
}

function waitUntil(pred, ms, what) {
  return new Promise((resolve, reject) => {
    if (pred()) return resolve();
    const started = now();
    const poll = setInterval(() => {
      if (pred()) {
        clearInterval(poll);
        resolve();
      } else if (now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`loadgen: timed out after ${ms} ms waiting for ${what}`));
      }
    }, 5);
  });
}

async function closeAll() {
  const n = sockets.size;
  for (const ws of sockets) ws.terminate();
  await waitUntil(() => sockets.size === 0, 10_000, 'sockets to close');
  return { closed: n };
}

const typeOf = (text) => text.slice(9, text.indexOf('"', 9));

// ------------------------------------------------------------------ scenarios

/** Memory scenario: `count` sockets that said hello and then sit idle. */
async function idle({ url, count, caFile }) {
  let welcomed = 0;
  const ca = caFile ? readFileSync(caFile) : undefined;
  const t0 = now();
  const clients = await openMany(
    url,
    count,
    (_ws, text) => {
      if (typeOf(text) === 'welcome') welcomed++;
    },
    ca,
    // At once, as a client would: 10,000 TLS handshakes take longer than the hello timeout.
    (ws) => ws.send(HELLO),
  );
  await waitUntil(() => welcomed === count, CONNECT_TIMEOUT_MS, `${count} welcomes (got ${welcomed})`);
  return { connected: clients.length, welcomed, ms: now() - t0 };
}

/**
 * Pair cycles: every client loops join → matched → (offerer) offer + candidate → (answerer) answer +
 * candidate → the offerer, having both, counts one cycle and sends `next`; the skipped answerer
 * joins again. Counts cycles completed inside the measured window.
 */
async function cycles({ url, clients: n, warmupMs, durationMs }) {
  let running = true;
  let completed = 0;
  const errors = {};
  const state = new Map();
  const onText = (ws, text) => {
    const st = state.get(ws);
    if (text.startsWith(SIGNAL_PREFIX)) {
      if (st.role === 'answerer') {
        if (text.includes('"kind":"description"')) {
          ws.send(signal(st.matchId, ANSWER_DATA));
          ws.send(signal(st.matchId, CANDIDATE_DATA));
        }
      } else if (++st.got === 2) {
        completed++;
        st.role = null;
        ws.send(running ? NEXT : LEAVE);
      }
      return;
    }
    const msg = JSON.parse(text);
    switch (msg.type) {
      case 'welcome':
        return void ws.send(JOIN);
      case 'matched':
        st.matchId = msg.matchId;
        st.role = msg.role;
        st.got = 0;
        if (msg.role === 'offerer') {
          ws.send(signal(msg.matchId, OFFER_DATA));
          ws.send(signal(msg.matchId, CANDIDATE_DATA));
        }
        return;
      case 'partner-left':
        st.role = null;
        if (running) ws.send(JOIN);
        return;
      case 'error':
        errors[msg.code] = (errors[msg.code] ?? 0) + 1;
        return;
      default:
        return;
    }
  };
  const clients = await openMany(url, n, (ws, text) => {
    if (!state.has(ws)) state.set(ws, { role: null, matchId: '', got: 0 });
    onText(ws, text);
  });
  for (const ws of clients) {
    if (!state.has(ws)) state.set(ws, { role: null, matchId: '', got: 0 });
    ws.send(HELLO);
  }
  await new Promise((resolve) => setTimeout(resolve, warmupMs)); // load is flowing: this is the warm-up
  const cpu0 = process.cpuUsage();
  const c0 = completed;
  const t0 = now();
  process.send({ type: 'mark', phase: 'start' });
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const c1 = completed;
  const t1 = now();
  const cpu = process.cpuUsage(cpu0);
  process.send({ type: 'mark', phase: 'end' });
  running = false;
  await closeAll();
  const seconds = (t1 - t0) / 1000;
  return {
    cycles: c1 - c0,
    seconds,
    perSec: (c1 - c0) / seconds,
    errors,
    loadgenCpu: (cpu.user + cpu.system) / 1000 / (t1 - t0),
  };
}

/**
 * Relay latency: `pairs` matched pairs; signals (candidate-sized, carrying a timestamp) are sent at
 * `rate` per second overall, on a 1 ms schedule, round-robin over all 2×pairs clients. Latency = receive time − send time, both in this process.
 */
async function latency({ url, pairs, rate, warmupMs, durationMs, sequential = false }) {
  const n = pairs * 2;
  const matchOf = new Map();
  const samples = [];
  let measuring = false;
  let received = 0;
  const errors = {};
  const onText = (ws, text) => {
    if (text.startsWith(SIGNAL_PREFIX)) {
      const at = now();
      const i = text.indexOf('ts=');
      const ts = Number(text.slice(i + 3, text.indexOf('"', i)));
      received++;
      if (measuring && ts >= 0) samples.push(at - ts);
      return;
    }
    const msg = JSON.parse(text);
    if (msg.type === 'welcome') {
      welcomed++;
      if (!sequential) ws.send(JOIN);
    } else if (msg.type === 'matched') matchOf.set(ws, msg.matchId);
    else if (msg.type === 'error') errors[msg.code] = (errors[msg.code] ?? 0) + 1;
  };
  let welcomed = 0;
  const clients = await openMany(url, n, onText);
  for (const ws of clients) ws.send(HELLO);
  if (sequential) {
    // Pair i = clients 2i and 2i+1, joined one after the other so that they meet each other (with a
    // list of two URLs, every pair then spans two nodes).
    await waitUntil(() => welcomed === n, CONNECT_TIMEOUT_MS, 'welcomes');
    for (let i = 0; i < n; i += 2) {
      clients[i].send(JOIN);
      clients[i + 1].send(JOIN);
      await waitUntil(() => matchOf.has(clients[i + 1]), CONNECT_TIMEOUT_MS, `pair ${i / 2}`);
    }
  }
  await waitUntil(
    () => matchOf.size === n,
    CONNECT_TIMEOUT_MS,
    `${pairs} pairs matched (${matchOf.size}/${n})`,
  );

  const total = Math.floor((rate * (warmupMs + durationMs)) / 1000);
  const warmupCount = Math.floor((rate * warmupMs) / 1000);
  const interval = 1000 / rate;
  let sent = 0;
  let cpu0;
  let t0 = 0;
  let tEnd = 0;
  let cpu;
  const start = now();
  await new Promise((resolve) => {
    // A 1 ms timer sends whatever is due (about rate/1000 signals a tick), each stamped when sent.
    // Not a busy loop: on a 2-core machine a spinning generator would steal the server's CPU.
    const pump = () => {
      const t = now();
      while (sent < total && start + sent * interval <= t) {
        if (sent === warmupCount) {
          measuring = true;
          cpu0 = process.cpuUsage();
          t0 = now();
          process.send({ type: 'mark', phase: 'start' });
        }
        const ws = clients[sent % n];
        ws.send(signal(matchOf.get(ws), candidateData(sent >= warmupCount ? now() : -1)));
        sent++;
      }
      if (sent < total) return;
      clearInterval(timer);
      tEnd = now();
      cpu = process.cpuUsage(cpu0);
      process.send({ type: 'mark', phase: 'end' });
      resolve();
    };
    const timer = setInterval(pump, 1);
  });
  await waitUntil(() => received >= sent, 5_000, 'the last signals').catch(() => undefined);
  measuring = false;
  await closeAll();
  const measured = total - warmupCount;
  return {
    samples,
    sent: measured,
    lost: measured - samples.length,
    achievedRate: measured / ((tEnd - t0) / 1000),
    errors,
    loadgenCpu: (cpu.user + cpu.system) / 1000 / (tEnd - t0),
  };
}

// ------------------------------------------------------------------ IPC

const commands = { idle, cycles, latency, 'close-all': closeAll };
process.on('disconnect', () => process.exit(0));
process.on('message', async (msg) => {
  try {
    const run = commands[msg.cmd];
    if (!run) throw new Error(`unknown command ${msg.cmd}`);
    process.send({ id: msg.id, ...(await run(msg)) });
  } catch (err) {
    process.send({ id: msg.id, error: String(err?.stack ?? err) });
  }
});
process.send({ type: 'ready' });
