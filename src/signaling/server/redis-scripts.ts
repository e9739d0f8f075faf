/**
 * The Redis key layout and the Lua scripts of the multi-node broker (docs/scaling.md explains both).
 *
 * Every key carries the hash tag `{<namespace>}` so that all of them live in one Redis Cluster slot:
 * the scripts touch many keys at once, which Cluster allows only within one slot. The scripts declare
 * the queue key as KEYS[1] (it routes the call to that slot) and build the other names from it.
 *
 * The scripts hold no matching rules: `load` reads a consistent snapshot of what one event can touch,
 * `commit` applies the writes the node computed with the pure matchmaker, if nothing it read has
 * changed meanwhile (optimistic concurrency on per-record versions).
 */
import { Redis } from 'ioredis';

/** Key names under one namespace. */
export class RedisKeys {
  /** `{ns}:`; every key starts with it. */
  readonly prefix: string;
  constructor(readonly namespace: string) {
    this.prefix = `{${namespace}}:`;
  }
  /** Hash: j (SessionRecord JSON), n (owner node), v (version), m (match id), i (interests), g, w (timer deadlines). */
  session = (id: string): string => `${this.prefix}s:${id}`;
  /** String: resume token → session id. */
  token = (token: string): string => `${this.prefix}t:${token}`;
  /** Hash: j (MatchRecord JSON), v (version), a, b (the two session ids). */
  match = (id: string): string => `${this.prefix}m:${id}`;
  /** Set of waiting session ids. */
  get queue(): string {
    return `${this.prefix}q`;
  }
  /** Set of waiting ids anyone may take (no interests, or interest window over). */
  get open(): string {
    return `${this.prefix}qo`;
  }
  /** Sorted set of waiting ids still inside their interest window, scored by the window's end. */
  get picky(): string {
    return `${this.prefix}qw`;
  }
  /** Set of waiting ids with this interest. */
  interest = (interest: string): string => `${this.prefix}qi:${interest}`;
  /** Counter bumped by every commit that leaves someone waiting (see commit's lost-wakeup check). */
  get queueVersion(): string {
    return `${this.prefix}qv`;
  }
  /** String with a short TTL, refreshed by the live node. */
  alive = (node: string): string => `${this.prefix}n:${node}`;
  /** Set of node ids that registered (the janitor looks for dead ones here). */
  get nodes(): string {
    return `${this.prefix}nodes`;
  }
  /** Set of the session ids a node owns (holds the socket, or the grace timer). */
  owned = (node: string): string => `${this.prefix}owned:${node}`;
  /** Janitor lock (SET NX PX). */
  get janitor(): string {
    return `${this.prefix}janitor`;
  }
  /** A random id written once per Redis data set: when it changes, Redis lost its data. */
  get boot(): string {
    return `${this.prefix}boot`;
  }
  /** Pub/sub channel of one node: messages for the sessions it owns. */
  channel = (node: string): string => `${this.prefix}ch:${node}`;
}

/**
 * rcLoad(KEYS[1]=queue; prefix, now, openProbes, sharingCap, minTtlMs, then per event: mode, id,
 * wantQueue, extraInterests) → JSON {sids, qv, qsize, osize, recs:[[id,j,n,v,m,i,g,w,open,alive]],
 * ms:[[id,j,v]]}: one consistent snapshot for a batch of events. Opens the picky waiters whose window
 * ended; per event, resolves the session (mode 's' by id, 't' by resume token, 'n' none) and loads
 * it, its match and partner and, with wantQueue, the queued strangers a pick may consider: those
 * sharing an interest (≤ sharingCap) and a random sample of the open set (openProbes). Strangers of a
 * node whose liveness key is gone or stale (PTTL < minTtlMs) are left out: nobody is matched with them.
 */
export const LOAD_LUA = `
local p = ARGV[1]
local now, probes, cap, minTtl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local due = redis.call('ZRANGEBYSCORE', p..'qw', '-inf', now)
for _, id in ipairs(due) do redis.call('SADD', p..'qo', id) end
if #due > 0 then redis.call('ZREMRANGEBYSCORE', p..'qw', '-inf', now) end
local live = {}
local function alive(node)
  if not node then return false end
  local a = live[node]
  if a == nil then
    a = redis.call('PTTL', p..'n:'..node) >= minTtl
    live[node] = a
  end
  return a
end
local recs, seen, added, ms, mseen = {}, {}, {}, {}, {}
local function loadS(id, cand)
  local h = seen[id]
  if h == nil then
    h = redis.call('HMGET', p..'s:'..id, 'j', 'n', 'v', 'm', 'i', 'g', 'w')
    if not h[1] then h = false end
    seen[id] = h
  end
  if not h then return false end
  local ok = alive(h[2])
  if cand and not ok then return false end
  if not added[id] then
    added[id] = true
    recs[#recs + 1] = {id, h[1], h[2], h[3], h[4] or '', h[5] or '', h[6] or '', h[7] or '',
      redis.call('SISMEMBER', p..'qo', id), ok and 1 or 0}
  end
  return h
end
local sids, wantQueue = {}, false
for e = 6, #ARGV, 4 do
  local mode, sid = ARGV[e], ARGV[e + 1]
  if mode == 'n' then sid = false end
  if mode == 't' then sid = redis.call('GET', p..'t:'..sid) end
  sids[#sids + 1] = sid or ''
  if sid then
    local s = loadS(sid, false)
    if s and s[4] and s[4] ~= '' and not mseen[s[4]] then
      local m = redis.call('HMGET', p..'m:'..s[4], 'j', 'v', 'a', 'b')
      if m[1] then
        mseen[s[4]] = true
        ms[#ms + 1] = {s[4], m[1], m[2]}
        loadS(m[3] == sid and m[4] or m[3], false)
      end
    end
    if ARGV[e + 2] == '1' then
      wantQueue = true
      local ints, n, picked = {}, 0, {}
      for x in string.gmatch((s and s[5] or '')..','..ARGV[e + 3], '[^,]+') do ints[x] = true end
      for x in pairs(ints) do
        local k = p..'qi:'..x
        local ids = redis.call('SCARD', k) <= cap and redis.call('SMEMBERS', k) or redis.call('SRANDMEMBER', k, cap)
        for _, id in ipairs(ids) do
          if n < cap and not picked[id] and id ~= sid then picked[id] = true; n = n + 1; loadS(id, true) end
        end
      end
      for _, id in ipairs(redis.call('SRANDMEMBER', p..'qo', probes)) do
        if id ~= sid then loadS(id, true) end
      end
    end
  end
end
local qsize, osize = 0, 0
if wantQueue then
  qsize = redis.call('SCARD', p..'q')
  osize = redis.call('SCARD', p..'qo')
end
return cjson.encode({sids = sids, qv = tonumber(redis.call('GET', p..'qv') or '0'), qsize = qsize,
  osize = osize, recs = recs, ms = ms})
`;

/**
 * rcCommit(KEYS[1]=queue; deadline, JSON {c:[[kind,key,expected]], o:[[cmd,...args]]}) → 1 applied,
 * 2 applied but a 'q' check did not hold, 0 conflict (a checked version moved; nothing written, the
 * node re-runs the batch), -1 too late. Checks: kind 'h' reads field v of a hash, 'k' a plain key,
 * 'q' a plain key that is only reported; expected '0' means absent. The deadline (ms, Redis clock)
 * stops a commit that sat in a stalled Redis from landing after the node gave up on it and told the
 * client.
 */
export const COMMIT_LUA = `
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[1]) then return -1 end
local req = cjson.decode(ARGV[2])
local moved = false
for _, c in ipairs(req.c) do
  local v
  if c[1] == 'h' then v = redis.call('HGET', c[2], 'v') else v = redis.call('GET', c[2]) end
  if (v or '0') ~= c[3] then
    if c[1] ~= 'q' then return 0 end
    moved = true
  end
end
for _, op in ipairs(req.o) do redis.call(unpack(op)) end
if moved then return 2 end
return 1
`;

/** rcUnlock(KEYS[1]=lock; owner): deletes the lock only if this owner still holds it. */
export const UNLOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface RcCommands {
  rcLoad(queueKey: string, ...args: string[]): Promise<string>;
  rcCommit(queueKey: string, deadline: string, req: string): Promise<number>;
  rcUnlock(lockKey: string, owner: string): Promise<number>;
}
export type RcRedis = Redis & RcCommands;

/**
 * A connection that fails fast while Redis is away (no offline queue, no retries, a command timeout)
 * so that clients get ERR_UNAVAILABLE at once, and that keeps reconnecting every ≤ 500 ms.
 */
export function createRedisClient(url: string, commandTimeoutMs: number, name: string): RcRedis {
  const redis = new Redis(url, {
    connectionName: name,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 500),
  }) as RcRedis;
  // EVALSHA, and EVAL when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH).
  redis.defineCommand('rcLoad', { numberOfKeys: 1, lua: LOAD_LUA });
  redis.defineCommand('rcCommit', { numberOfKeys: 1, lua: COMMIT_LUA });
  redis.defineCommand('rcUnlock', { numberOfKeys: 1, lua: UNLOCK_LUA });
  return redis;
}
