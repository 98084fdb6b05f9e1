/**
 * The Lua scripts that make each shared operation one round trip and atomic. Time is Redis's own
 * (`TIME`), so instances whose clocks differ still agree on windows and leases. Sent by digest
 * (`EVALSHA`), and whole the first time a server has not seen them (a new or restarted Redis).
 */
import { createHash } from 'node:crypto'

export interface Script {
  source: string
  sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/** KEYS[1] lock; ARGV token, channel, release message. Deletes the lock only for its holder, and says so. */
export const RELEASE_LOCK = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`)

/**
 * KEYS[1] window (a sorted set of admitted events scored by time); ARGV limit, window ms, member.
 * Returns {1, 0} when admitted (and counted), {0, ms to wait} when not.
 */
export const ADMIT = script(`${NOW_MS}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
-- the event that must leave the window before one more fits (the oldest, unless the limit shrank)
local gate = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return {0, tonumber(gate[2]) + window - now}`)

/**
 * KEYS[1] slots (a sorted set of leases scored by their end); ARGV capacity, lease ms, member.
 * Returns 1 when a slot was taken, 0 when all are.
 */
export const TAKE_SLOT = script(`${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`)

/**
 * KEYS[1] slots; ARGV lease ms, member. Moves a held slot's lease end to `lease` from now (and the
 * set's expiry with it); returns 0 when the slot is gone (its lease ended).
 */
export const RENEW_SLOT = script(`${NOW_MS}
local ends = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not ends or tonumber(ends) <= now then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`)

/**
 * KEYS[1] total; ARGV amount, expire-at ms. Adds to a total that exists and returns it (a string);
 * nil when there is none yet, to be seeded first.
 */
export const ADD_TO = script(`if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return v`)
