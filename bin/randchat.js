#!/usr/bin/env node
// randchat's executable: a shim over dist/cli/main.js, and the only place that calls process.exit.
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist')) {
    process.stderr.write('randchat: dist/ is missing; run `npm run build` first.\n');
    process.exit(1);
  }
  throw err;
}

const code = await main(process.argv.slice(2));
// Let buffered stdout/stderr drain (pipes) before exiting; werift and ws may hold handles open.
let pending = 2;
const done = () => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
