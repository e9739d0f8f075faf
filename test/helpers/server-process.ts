import { spawnCli, type CliProcess } from './cli-process.js';

export interface ServerProcess {
  proc: CliProcess;
  url: string;
  port: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `randchat server` on 127.0.0.1 as a child process and waits for the URL line on stdout. */
export async function spawnServer(args: string[] = []): Promise<ServerProcess> {
  const proc = spawnCli(['server', '--host', '127.0.0.1', '--port', '0', ...args]);
  const url = (await proc.firstLine()).trim();
  return { proc, url, port: Number(new URL(url).port), kill: (signal) => proc.kill(signal) };
}
