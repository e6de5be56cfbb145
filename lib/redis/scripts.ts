import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * Store an entry, index it under each of its tags, and tell the other instances. A tag's set
 * lives as long as its longest-lived entry, so the index never outlives what it points to by
 * more than one entry's TTL. KEYS: entry. ARGV: value, ttl ms, prefix, key, message prefix, tags...
 */
export const setScript = `
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 6, #ARGV do
  local tagKey = ARGV[3] .. 't:' .. ARGV[i]
  redis.call('sadd', tagKey, ARGV[4])
  if redis.call('pttl', tagKey) < ttl then redis.call('pexpire', tagKey, ttl) end
end
redis.call('publish', ARGV[3] .. 'fill', ARGV[5] .. ' ' .. ARGV[4])
return 1`

/**
 * Delete every entry carrying one of the tags, found through the tag index (as many steps as
 * entries carry the tags, never a scan of the keyspace), then tell the other instances.
 * ARGV: prefix, message, tags...
 */
export const invalidateScript = `
local deleted = 0
for i = 3, #ARGV do
  local tagKey = ARGV[1] .. 't:' .. ARGV[i]
  for _, key in ipairs(redis.call('smembers', tagKey)) do
    deleted = deleted + redis.call('del', ARGV[1] .. 'e:' .. key)
  end
  redis.call('del', tagKey)
end
redis.call('publish', ARGV[1] .. 'inv', ARGV[2])
return deleted`

/**
 * Release a generation lock only if this owner still holds it (it may have expired and been
 * taken by another instance), and wake the instances waiting on it. KEYS: lock. ARGV: token,
 * channel, message.
 */
export const releaseScript = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('publish', ARGV[2], ARGV[3])
return 1`

const shas = new Map<string, string>()

/** EVALSHA, falling back to EVAL the first time a server has not seen the script (NOSCRIPT). */
export async function runScript (client: Redis, script: string, keys: string[], args: Array<string | Buffer | number>): Promise<unknown> {
  let sha = shas.get(script)
  if (sha === undefined) shas.set(script, sha = createHash('sha1').update(script).digest('hex'))
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return await client.eval(script, keys.length, ...keys, ...args)
  }
}
