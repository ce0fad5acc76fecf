-- Takes an event's inventory out of Redis when nothing in it lives only in Redis: no hold (an
-- offer is a hold), no booking waiting for its PostgreSQL commit. Everything else is rebuilt from
-- PostgreSQL at the next use (invariant 2, docs/architecture.md), so Redis holds live sales only.
-- KEYS: the event's inventory keys, meta first (INVENTORY_KEY_NAMES order).
-- ARGV: idleMs, over ('1': the event is over), index of hexp, of pending and of notices in KEYS
-- (hold events not yet in the outbox live only here too).
-- Returns 'cold' (not loaded), 'busy' (holds or pending), 'recent' (used within idleMs), 'evicted'.
local META = KEYS[1]
local idleMs, over = tonumber(ARGV[1]), ARGV[2] == '1'
local HEXP, PENDING, NOTICES = KEYS[tonumber(ARGV[3])], KEYS[tonumber(ARGV[4])], KEYS[tonumber(ARGV[5])]
if redis.call('EXISTS', META) == 0 then return 'cold' end
-- An event that is over sells nothing more, whether or not its last holds still run.
if over and redis.call('HGET', META, 'status') == 'on_sale' then redis.call('HSET', META, 'status', 'over') end
if redis.call('ZCARD', HEXP) > 0 or redis.call('ZCARD', PENDING) > 0 or redis.call('ZCARD', NOTICES) > 0 then
  return 'busy'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Loading counts as use: a freshly rebuilt event that nobody changed yet is not idle.
local touched = tonumber(redis.call('HGET', META, 'touched') or '0') or 0
local loaded = tonumber(redis.call('HGET', META, 'loadedAt') or '0') or 0
if now - math.max(touched, loaded) < idleMs then return 'recent' end
redis.call('DEL', unpack(KEYS))
return 'evicted'
