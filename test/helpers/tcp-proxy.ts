import net from 'node:net';

/**
 * A loopback TCP proxy in front of a server, so a test can cut live connections (as a network
 * failure would) and refuse new ones, without touching the client or the server.
 */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  #refusing = false;
  readonly #holes = new WeakSet<net.Socket>();
  port = 0;

  private constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      if (this.#refusing) return void client.destroy();
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = (): void => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      // Forward by hand, so that a black hole can swallow bytes while the sockets stay open.
      client.on('data', (d: Buffer) => this.#holes.has(client) || upstream.write(d));
      upstream.on('data', (d: Buffer) => this.#holes.has(client) || client.write(d));
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.#server.address() as net.AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Destroys every live connection (like a network drop: no close frame). */
  cutAll(): void {
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
  }

  /** While refusing, new connections are accepted and immediately dropped. */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /**
   * The live connections go silent: bytes in both directions are dropped while the sockets stay
   * open (a dead NAT mapping or a hung server). New connections are not affected.
   */
  silenceLive(): void {
    for (const [client] of this.#pairs) this.#holes.add(client);
  }

  get liveConnections(): number {
    return this.#pairs.size;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
