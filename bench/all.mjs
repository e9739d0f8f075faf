/**
 * `npm run bench`: runs bench/setup.mjs, bench/server.mjs and bench/startup.mjs one after another,
 * each in its own process (so one bench's sockets, timers and heap do not colour the next).
 * Extra arguments (`--json`) are passed to each; with `--json` the three one-line summaries are
 * combined into one line `{"setup":…,"server":…,"startup":…}`. Exits non-zero if any bench errored.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, parseFlags } from './lib/report.mjs';

const BENCHES = ['setup', 'server', 'startup'];
const TIMEOUT_MS = 240_000;
const flags = parseFlags();
const args = process.argv.slice(2);

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    current?.kill('SIGTERM');
    process.exit(130);
  });
}

function run(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', `${name}.mjs`), ...args], {
      cwd: ROOT,
      stdio: ['ignore', flags.json ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      resolve({ ok: code === 0, code: code ?? signal, stdout });
    });
  });
}

const summary = {};
const failed = [];
for (const name of BENCHES) {
  if (!flags.json) process.stdout.write(name === BENCHES[0] ? '' : '\n');
  const r = await run(name);
  if (!r.ok) failed.push(`${name} (${r.code})`);
  if (flags.json) {
    try {
      summary[name] = JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null');
    } catch {
      summary[name] = null;
    }
  }
}
if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
if (failed.length > 0) {
  process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
