/**
 * bench:server § memory per idle connection (bench/server.mjs): the server under test is measured
 * after gc before and after the load generator opens `connections` hello'd idle sockets, over ws://
 * and over wss:// (a self-signed P-256 certificate made at bench time, bench/lib/self-signed.mjs),
 * for randchat and the minimal relay; then every socket is closed and it is measured again.
 */
import { fmtInt, fmtKB, fmtMs, fmtX, now, ratio, round } from './report.mjs';
import { selfSignedCert } from './self-signed.mjs';

/** `cert`: serve and connect over TLS with this {certFile, keyFile}. */
async function memory({ loadgen, withServer, connections, realistic }, kind, cert = null) {
  const options = cert
    ? { ...realistic, tls: { certFile: cert.certFile, keyFile: cert.keyFile } }
    : realistic;
  return withServer(kind, options, async (server, url) => {
    const before = (await server.call('mem')).mem;
    const idle = { url, count: connections, ...(cert ? { caFile: cert.certFile } : {}) };
    const opened = await loadgen.call('idle', idle, 180_000);
    const afterMsg = await server.call('mem');
    const after = afterMsg.mem;
    await loadgen.call('close-all', {}, 30_000);
    await waitForConnections(server, 0);
    const closed = (await server.call('mem')).mem;
    if (afterMsg.connections !== connections) {
      throw new Error(`${kind}: server reports ${afterMsg.connections} connections, expected ${connections}`);
    }
    const per = (key) => (after[key] - before[key]) / connections;
    return {
      rss: per('rss'),
      heapUsed: per('heapUsed'),
      external: per('external'),
      rssBefore: before.rss,
      rssAfter: after.rss,
      connectMs: opened.ms,
      heapAfterClose: (closed.heapUsed - before.heapUsed) / connections,
    };
  });
}

/** Polls the server until it has seen `n` connections close (bounded). */
async function waitForConnections(server, n, ms = 10_000) {
  const until = now() + ms;
  while ((await server.call('count')).connections !== n) {
    if (now() > until) throw new Error(`server still has connections after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs the memory scenario for every kind, plain then TLS, printing as it goes. `withServer(kind,
 * options, fn)` starts the server under test; `realistic` are its options.
 */
export async function memoryScenario(ctx) {
  const { kinds, label, connections, out } = ctx;
  const res = { memory: {}, memoryTls: {} };
  out('');
  out(
    `memory per idle connection: ${fmtInt(connections)} sockets, hello'd and idle, server measured after gc`,
  );
  const memLine = (name, m) =>
    out(
      `  ${name.padEnd(23)} RSS ${fmtKB(m.rss).padStart(9)}/conn   heapUsed ${fmtKB(m.heapUsed).padStart(9)}/conn` +
        `   external ${fmtKB(m.external).padStart(8)}/conn   ≈ ${fmtInt(2 ** 30 / m.rss)} idle conns/GiB` +
        `   (RSS ${fmtInt(m.rssBefore / 2 ** 20)} → ${fmtInt(m.rssAfter / 2 ** 20)} MB; opened in ${fmtMs(m.connectMs)})`,
    );
  for (const kind of kinds) memLine(label[kind], (res.memory[kind] = await memory(ctx, kind)));
  const cert = selfSignedCert();
  try {
    for (const kind of kinds) {
      const m = (res.memoryTls[kind] = await memory(ctx, kind, cert));
      memLine(`${label[kind]} (wss)`, m);
    }
  } finally {
    cert.dispose();
  }
  const tlsExtra = res.memoryTls.randchat.rss - res.memory.randchat.rss;
  out(
    `  TLS adds ${fmtKB(tlsExtra)}/conn RSS to randchat (certificate by ${cert.how}); ` +
      `wss/ws: randchat ${fmtX(ratio(res.memoryTls.randchat.rss, res.memory.randchat.rss))}, ` +
      `minimal ${fmtX(ratio(res.memoryTls.minimal.rss, res.memory.minimal.rss))}`,
  );
  out(
    `  after every socket closed, heap still held: randchat ${fmtKB(res.memory.randchat.heapAfterClose)}/conn` +
      ` (sessions kept for resume during the grace window), minimal ${fmtKB(res.memory.minimal.heapAfterClose)}/conn`,
  );
  const memRatio = ratio(res.memory.randchat.rss, res.memory.minimal.rss);
  const heapRatio = ratio(res.memory.randchat.heapUsed, res.memory.minimal.heapUsed);
  out(`  ratio randchat / minimal  RSS ${fmtX(memRatio)}   heapUsed ${fmtX(heapRatio)}`);
  return { ...res, memRatio, heapRatio };
}

/** The memory part of the bench's JSON summary. */
export function memoryJson({ memory, memoryTls, memRatio, heapRatio }) {
  const kb = (x) => round(x / 1024);
  const res = { memory, memoryTls };
  const kinds = Object.keys(memory);
  return {
    memoryPerConnKB: Object.fromEntries(
      kinds.map((k) => [
        k,
        {
          rss: kb(res.memory[k].rss),
          heapUsed: kb(res.memory[k].heapUsed),
          external: kb(res.memory[k].external),
        },
      ]),
    ),
    memoryTlsPerConnKB: Object.fromEntries(
      kinds.map((k) => [
        k,
        {
          rss: kb(res.memoryTls[k].rss),
          heapUsed: kb(res.memoryTls[k].heapUsed),
          external: kb(res.memoryTls[k].external),
          connectMs: round(res.memoryTls[k].connectMs, 0),
        },
      ]),
    ),
    idleConnsPerGiB: {
      ws: round(2 ** 30 / res.memory.randchat.rss, 0),
      wss: round(2 ** 30 / res.memoryTls.randchat.rss, 0),
    },
    memoryRatioRss: round(memRatio),
    memoryRatioHeap: round(heapRatio),
  };
}
