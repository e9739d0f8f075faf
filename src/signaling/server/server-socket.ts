/** The server's WebSocket class: a `ws` WebSocket that knows its Connection (connection.ts). */
import WebSocket from 'ws';
import type { Connection } from './connection.js';

/**
 * The server's WebSocket class (`new WebSocketServer({ WebSocket: ServerSocket })`): a `ws`
 * WebSocket that points at its Connection, so the listeners need not close over it.
 */
export class ServerSocket extends WebSocket {
  conn: Connection | null = null;

  /**
   * A pong marks the connection alive. Done here rather than by a fourth listener, which would
   * double the size of ws's per-socket listener table (~100 B per connection). Events still reach
   * their listeners unchanged.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'pong' && this.conn) this.conn.alive = true;
    return super.emit(event, ...args);
  }
}
