/**
 * Confines a benchmark's child process to a share of one core with a cgroup CPU quota (cgroup v2
 * `cpu.max`, else v1 `cpu.cfs_quota_us`), so that "one node" and "two nodes" each get the same CPU
 * per node however many cores the machine has (bench:cluster § pair cycles; docs/benchmarks.md).
 * Needs a writable cgroup hierarchy (root in a container or VM); `confine` returns null otherwise and
 * the caller reports that it could not.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

const PERIOD_US = 100_000;
let seq = 0;

/** Where a new cgroup with a CPU controller can be made: [kind, parent dir] or null. */
function hierarchy() {
  try {
    const v2 = '/sys/fs/cgroup';
    if (existsSync(`${v2}/cgroup.controllers`)) {
      if (!readFileSync(`${v2}/cgroup.controllers`, 'utf8').split(/\s+/).includes('cpu')) return null;
      return ['v2', v2];
    }
    const v1 = '/sys/fs/cgroup/cpu';
    return existsSync(`${v1}/cpu.cfs_quota_us`) ? ['v1', v1] : null;
  } catch {
    return null;
  }
}

/**
 * Puts `pid` (all its threads, and children it starts later) in a fresh cgroup limited to `cores`
 * of CPU time per period. Returns `{ kind, release() }` — release after the process has exited — or
 * null when cgroups are not writable here.
 */
export function confine(pid, cores) {
  const h = hierarchy();
  if (!h) return null;
  const [kind, parent] = h;
  const dir = `${parent}/randchat-bench-${process.pid}-${++seq}`;
  const quota = String(Math.max(1000, Math.round(cores * PERIOD_US)));
  try {
    if (kind === 'v2' && !readFileSync(`${parent}/cgroup.subtree_control`, 'utf8').includes('cpu')) {
      writeFileSync(`${parent}/cgroup.subtree_control`, '+cpu');
    }
    mkdirSync(dir);
    if (kind === 'v2') writeFileSync(`${dir}/cpu.max`, `${quota} ${PERIOD_US}`);
    else {
      writeFileSync(`${dir}/cpu.cfs_period_us`, String(PERIOD_US));
      writeFileSync(`${dir}/cpu.cfs_quota_us`, quota);
    }
    writeFileSync(`${dir}/cgroup.procs`, String(pid));
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // not made, or not empty: nothing more to do
    }
    return null;
  }
  return {
    kind: `cgroup ${kind}`,
    release() {
      try {
        rmdirSync(dir);
      } catch {
        // the process is still in it (it did not exit): the kernel keeps the group until reboot
      }
    },
  };
}
