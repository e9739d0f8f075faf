/**
 * A real `redis-server` for tests: on 127.0.0.1, a free port, no persistence
 * (`--save '' --appendonly no`), started and stopped by the test (call `stop()` in afterAll).
 * `requireRedis()` skips loudly when redis-server is missing and fails under RANDCHAT_TEST_STRICT=1.
 * Chaos helpers: `restart()` (kill -9 and start again on the same port: the data is gone),
 * `pause()` / `resume()` (SIGSTOP / SIGCONT), `command()` (redis-cli-free, through ioredis).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True when redis-server is installed; otherwise warns loudly (or throws under strict mode). */
export function requireRedis(what: string): boolean {
  if (redisAvailable()) return true;
  const msg = `redis-server is not installed: SKIPPING ${what} (install redis-server to run it)`;
  if (process.env.RANDCHAT_TEST_STRICT === '1') {
    throw new Error(`${msg}; RANDCHAT_TEST_STRICT=1 makes this a failure`);
  }
  console.warn(`\n!!! ${msg} !!!\n`);
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  #child: ChildProcess | null = null;
  #log = '';

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.#spawn();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${this.#log}`)), 10_000);
      const onData = (d: Buffer): void => {
        this.#log += d.toString();
        if (this.#log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}):\n${this.#log}`));
      });
    });
    this.#log = '';
  }

  /** Runs one command on a short-lived connection. */
  async command(name: string, ...args: (string | number)[]): Promise<unknown> {
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await r.connect();
      return await r.call(name, ...args);
    } finally {
      r.disconnect();
    }
  }

  /** SIGSTOP: the process is frozen, connections stay open, commands hang. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** kill -9, then a fresh redis-server on the same port (empty: nothing was persisted). */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#spawn();
  }

  /** kill -9 and wait for the exit. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }
}
