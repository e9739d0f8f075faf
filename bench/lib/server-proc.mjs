/**
 * Child process for bench:server: runs one server (randchat's or the minimal relay) and answers the
 * orchestrator over IPC. Run with --expose-gc so `mem` reports memory after a full collection.
 *
 *   argv: <randchat|minimal> <JSON ServerOptions overrides; `redis: {url, namespace}` = multi-node mode;
 *         `tls: {certFile, keyFile}` = serve wss:// (both kinds)>
 *   → {type:'ready', url}          once listening
 *   ← {id, cmd:'mem'}              → {id, mem: process.memoryUsage() after gc, connections}
 *   ← {id, cmd:'count'}            → {id, connections}
 *   ← {id, cmd:'cpu'}              → {id, cpu: process.cpuUsage(), at: ms}
 *   ← {id, cmd:'close'}            → {id, closed: true}, then the process exits
 * It also exits if the orchestrator goes away (IPC disconnect).
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { startMinimalRelay } from './minimal-relay.mjs';

const [kind, rawOptions = '{}'] = process.argv.slice(2);
const { tls: tlsFiles, ...overrides } = JSON.parse(rawOptions);
const tls = tlsFiles ? { cert: readFileSync(tlsFiles.certFile), key: readFileSync(tlsFiles.keyFile) } : null;

async function start() {
  if (kind === 'minimal') return startMinimalRelay({ tls });
  if (kind !== 'randchat') throw new Error(`unknown server kind ${kind}`);
  const { startServer } = await import('../../dist/signaling/server/index.js');
  const { redis, ...rest } = overrides;
  const options = tls ? { ...rest, tls } : rest;
  if (redis) {
    // Multi-node mode ({redis: RedisBrokerOptions}); ready when /readyz says so.
    const { redisBroker } = await import('../../dist/signaling/server/redis-broker.js');
    const server = await startServer({ host: '127.0.0.1', port: 0, ...options, broker: redisBroker(redis) });
    const ready = () =>
      new Promise((resolve) => {
        const req = get(`http://127.0.0.1:${server.port}/readyz`, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.once('error', () => resolve(false));
      });
    while (!(await ready())) await new Promise((resolve) => setTimeout(resolve, 20));
    return server;
  }
  return startServer({ host: '127.0.0.1', port: 0, ...options });
}

async function collect() {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
  }
  return process.memoryUsage();
}

const server = await start();
process.on('disconnect', () => process.exit(0));
process.on('message', async (msg) => {
  try {
    switch (msg.cmd) {
      case 'mem':
        return process.send({ id: msg.id, mem: await collect(), connections: server.connectionCount() });
      case 'count':
        return process.send({ id: msg.id, connections: server.connectionCount() });
      case 'cpu':
        return process.send({ id: msg.id, cpu: process.cpuUsage(), at: performance.now() });
      case 'close':
        await server.close('bench done');
        process.send({ id: msg.id, closed: true }, () => process.exit(0));
        return;
      default:
        throw new Error(`unknown command ${msg.cmd}`);
    }
  } catch (err) {
    process.send({ id: msg.id, error: String(err?.stack ?? err) });
  }
});
process.send({ type: 'ready', url: server.url });
