-- One event's waiting room (docs/waiting-room.md), as one atomic script: every change to the line
-- is one call, so however many servers call it at once no position is given twice, nobody is
-- skipped and nobody is admitted twice. Every key shares the event's hash tag {<eventId>}, the
-- inventory's included (read only here: its counts say when the event sold out, its holds when an
-- admitted shopper's hold ended), so each call runs on one Redis Cluster slot.
-- KEYS: state pre line tickets active admits series, then the inventory's meta counts holds.
-- ARGV: operation, JSON arguments. Returns a JSON string with `ok` and, when refused, `code`.
local STATE, PRE, LINE, TICKETS, ACTIVE, ADMITS, SERIES, INV_META, INV_COUNTS, INV_HOLDS =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local op = ARGV[1]
local args = cjson.decode(ARGV[2])

local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- A hold is being made under an admission (claimed, not yet in the inventory) for at most this long.
local CLAIM_GRACE_MS = 30000
local MAX_ADMIT_PER_CALL = 5000
local SERIES_POINTS = 60

local function fail(code, extra)
  local r = extra or {}
  r.ok = false
  r.code = code
  return cjson.encode(r)
end

local function get(ticket)
  local raw = redis.call('HGET', TICKETS, ticket)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function put(ticket, rec) redis.call('HSET', TICKETS, ticket, cjson.encode(rec)) end
local function flag(name) return redis.call('HGET', STATE, name) == '1' end

-- The shuffle: before opening, each joiner was given a random key from a secure source by the
-- caller (crypto.randomBytes); PRE is ordered by it (ties by the random ticket), so reading PRE in
-- order is a uniform shuffle of the arrivals. They then join LINE in that order, FIFO after them.
-- Returns how many pre-queue tickets it placed, or -1 when it did not open the line now.
local function open_if_due(opensAt)
  if flag('opened') or NOW < opensAt then return -1 end
  local drawn = redis.call('ZRANGE', PRE, 0, -1)
  local seq = tonumber(redis.call('HGET', STATE, 'seq') or '0')
  for i = 1, #drawn do
    seq = seq + 1
    redis.call('ZADD', LINE, seq, drawn[i])
  end
  redis.call('HSET', STATE, 'seq', seq, 'opened', '1', 'openedAt', NOW)
  redis.call('DEL', PRE)
  return #drawn
end

-- Whether an admitted shopper is done: the hold made under the admission is gone (booked,
-- released, expired) or, with no hold, the admission timed out.
local function hold_gone(rec)
  return rec.h ~= nil and NOW - (rec.hb or 0) > CLAIM_GRACE_MS and redis.call('HEXISTS', INV_HOLDS, rec.h) == 0
end
local function admission_over(rec)
  if hold_gone(rec) then return true end
  if rec.h ~= nil and redis.call('HEXISTS', INV_HOLDS, rec.h) == 1 then return false end
  return NOW >= rec.ax and (rec.h == nil or NOW - (rec.hb or 0) > CLAIM_GRACE_MS)
end
local function end_admission(ticket, rec)
  rec.s = 'e'
  put(ticket, rec)
  redis.call('ZREM', ACTIVE, ticket)
end
-- An admitted ticket's record, settled: ended now if its admission is over.
local function settled(ticket)
  local rec = get(ticket)
  if rec and rec.s == 'a' and admission_over(rec) then end_admission(ticket, rec) end
  return rec
end

local function view(ticket)
  local rec = settled(ticket)
  if not rec then return nil end
  local v = { t = ticket, s = rec.s, p = rec.p, pre = rec.pre == 1 }
  if rec.s == 'w' then
    local rank = redis.call('ZRANK', LINE, ticket)
    if rank then
      v.pos = rank + 1
      v.ahead = rank
    end
  elseif rec.s == 'a' then
    v.ax = rec.ax
  elseif rec.s == 'o' then
    v.wl = rec.wl == 1
  end
  return v
end

-- Places left and held, from the inventory's section counters; nil when it is not loaded.
local function places()
  if redis.call('EXISTS', INV_META) == 0 then return nil end
  local c = redis.call('HGETALL', INV_COUNTS)
  local cap, held, booked, blocked = 0, 0, 0, 0
  for i = 1, #c, 2 do
    local kind, n = string.match(c[i], ':(%a+)$'), tonumber(c[i + 1]) or 0
    if kind == 'cap' then cap = cap + n
    elseif kind == 'held' then held = held + n
    elseif kind == 'booked' then booked = booked + n
    elseif kind == 'blocked' then blocked = blocked + n end
  end
  return { available = cap - held - booked - blocked, held = held, booked = booked }
end

local function waiting_count() return redis.call('ZCARD', LINE) + redis.call('ZCARD', PRE) end

local OPS = {}

-- join {ticket, p (party size), key (random shuffle key), opensAt (ms)} → view, opened (tickets
-- the call's shuffle placed, when it opened the line). After the sell-out the ticket is sold out
-- at once: it is told so, and may join the waitlist like anyone arriving now (no queue order).
function OPS.join()
  local opened = open_if_due(args.opensAt)
  if redis.call('HEXISTS', TICKETS, args.ticket) == 0 then
    local rec = { s = 'w', p = args.p, at = NOW }
    if flag('soldOut') then
      rec.s = 'o'
    elseif flag('opened') then
      local seq = redis.call('HINCRBY', STATE, 'seq', 1)
      redis.call('ZADD', LINE, seq, args.ticket)
    else
      rec.pre = 1
      redis.call('ZADD', PRE, args.key, args.ticket)
    end
    put(args.ticket, rec)
  end
  return cjson.encode({
    ok = true,
    view = view(args.ticket),
    opened = opened,
    rate = redis.call('ZCOUNT', ADMITS, NOW - 60000, NOW),
  })
end

-- views {tickets} → the state of each (null for an unknown ticket), plus the admissions of the
-- last minute for the estimate of the wait.
function OPS.views()
  local out = {}
  for i, ticket in ipairs(args.tickets) do out[i] = view(ticket) or false end
  return cjson.encode({
    ok = true,
    views = out,
    rate = redis.call('ZCOUNT', ADMITS, NOW - 60000, NOW),
    opened = flag('opened'),
  })
end

-- tick {opensAt, admit (sale on and room enabled), rate, maxActive (0: meter off), ttl, statEvery}:
-- opens the line when due, ends admissions that are over, notices a sell-out (everyone waiting is
-- told), admits what the meters allow and samples the line for the console. Any server's tick may
-- call it at any time: the meters live here, so concurrent ticks never admit more than allowed.
function OPS.tick()
  local opened = open_if_due(args.opensAt)
  local ended = 0
  local active = redis.call('ZRANGE', ACTIVE, 0, -1)
  for i = 1, #active do
    local rec = get(active[i])
    if not rec or rec.s ~= 'a' then
      redis.call('ZREM', ACTIVE, active[i])
    elseif admission_over(rec) then
      end_admission(active[i], rec)
      ended = ended + 1
    end
  end

  local left = places()
  local soldOut, justSoldOut = 0, false
  if left and not flag('soldOut') and left.available <= 0 and left.held <= 0 then
    redis.call('HSET', STATE, 'soldOut', '1', 'soldOutAt', NOW)
    -- `q`: the ticket's place in the line at the sell-out (the line first, then the pre-queue in
    -- its shuffled order), which orders its waitlist join among the others told (`use`).
    local q = 0
    for _, key in ipairs({ LINE, PRE }) do
      local waiting = redis.call('ZRANGE', key, 0, -1)
      for i = 1, #waiting do
        local rec = get(waiting[i])
        if rec then
          rec.s = 'o'
          rec.q = q
          q = q + 1
          put(waiting[i], rec)
        end
      end
      soldOut = soldOut + #waiting
      redis.call('DEL', key)
    end
    justSoldOut = true
    redis.call('HSET', STATE, 'soldOutWaiting', soldOut)
  end

  local admitted = 0
  if args.admit and flag('opened') and not flag('soldOut') and left and left.available > 0 then
    local allowance = MAX_ADMIT_PER_CALL
    local tokens, burst
    if args.rate > 0 then
      -- Never more than `rate` in any 60 s, and paced: a bucket of 5 s' worth refilled steadily.
      local used = redis.call('ZCOUNT', ADMITS, NOW - 59999, NOW)
      allowance = math.min(allowance, args.rate - used)
      burst = math.max(1, math.ceil(args.rate / 12))
      local last = tonumber(redis.call('HGET', STATE, 'bucketAt') or tostring(NOW))
      tokens = tonumber(redis.call('HGET', STATE, 'tokens') or tostring(burst))
      tokens = math.min(burst, tokens + (NOW - last) * args.rate / 60000)
      allowance = math.min(allowance, math.floor(tokens))
    end
    if args.maxActive > 0 then allowance = math.min(allowance, args.maxActive - redis.call('ZCARD', ACTIVE)) end
    if allowance > 0 then
      local next = redis.call('ZRANGE', LINE, 0, allowance - 1)
      for i = 1, #next do
        local rec = get(next[i])
        rec.s = 'a'
        rec.ax = NOW + args.ttl
        put(next[i], rec)
        redis.call('ZADD', ACTIVE, rec.ax, next[i])
        redis.call('ZADD', ADMITS, NOW, next[i])
        redis.call('ZREM', LINE, next[i])
      end
      admitted = #next
      if tokens then tokens = tokens - admitted end
      redis.call('HINCRBY', STATE, 'admitted', admitted)
    end
    if tokens then redis.call('HSET', STATE, 'tokens', tostring(tokens), 'bucketAt', NOW) end
  end
  redis.call('ZREMRANGEBYSCORE', ADMITS, '-inf', NOW - 600000)

  local lastStat = tonumber(redis.call('HGET', STATE, 'statAt') or '0')
  if NOW - lastStat >= args.statEvery then
    redis.call('HSET', STATE, 'statAt', NOW)
    redis.call('RPUSH', SERIES, cjson.encode({
      at = NOW,
      w = waiting_count(),
      a = tonumber(redis.call('HGET', STATE, 'admitted') or '0'),
      s = left and left.booked or 0,
    }))
    redis.call('LTRIM', SERIES, -SERIES_POINTS, -1)
  end
  return cjson.encode({
    ok = true,
    opened = opened,
    soldOut = soldOut,
    justSoldOut = justSoldOut,
    admitted = admitted,
    ended = ended,
    waiting = waiting_count(),
    active = redis.call('ZCARD', ACTIVE),
    cold = left == nil,
  })
end

-- claim {ticket, hold, existing}: before a hold under an admission. The admission must be live;
-- it carries one hold at a time (adding to it is fine, a second one is not while the first lives).
-- Answers `p`, the party size, which the caller makes the hold's size limit (the hold script checks
-- it atomically with the places it adds). Refusals: ADMISSION_REQUIRED with `reason`
-- (not_admitted, expired, in_use, other_hold).
function OPS.claim()
  local rec = settled(args.ticket)
  if not rec or rec.s ~= 'a' then return fail('ADMISSION_REQUIRED', { reason = rec and rec.s == 'e' and 'expired' or 'not_admitted' }) end
  if args.existing then
    if rec.h ~= args.hold then return fail('ADMISSION_REQUIRED', { reason = 'other_hold' }) end
    return cjson.encode({ ok = true, p = rec.p })
  end
  if NOW >= rec.ax then return fail('ADMISSION_REQUIRED', { reason = 'expired' }) end
  if rec.h and rec.h ~= args.hold and redis.call('HEXISTS', INV_HOLDS, rec.h) == 1 then
    return fail('ADMISSION_REQUIRED', { reason = 'in_use' })
  end
  local prev = rec.h
  rec.h = args.hold
  rec.hb = NOW
  put(args.ticket, rec)
  return cjson.encode({ ok = true, prev = prev, p = rec.p })
end

-- unclaim {ticket, hold, prev}: the hold was refused; the admission is as it was before.
function OPS.unclaim()
  local rec = get(args.ticket)
  if rec and rec.h == args.hold then
    rec.h = args.prev
    rec.hb = args.prev and NOW or nil
    put(args.ticket, rec)
  end
  return cjson.encode({ ok = true })
end

-- confirm {ticket, hold}: the hold exists now; from here its end ends the admission at once.
function OPS.confirm()
  local rec = get(args.ticket)
  if rec and rec.h == args.hold then
    rec.hb = 0
    put(args.ticket, rec)
  end
  return cjson.encode({ ok = true })
end

-- use {ticket, scope ('a' | 'o'), quantity}: a booking by quantity under the ticket. `a`: an
-- admission, which the booking ends; `o`: a sold-out ticket joining the waitlist, once, with at most
-- its party size, answering its place in the line at the sell-out (`q`, when it had one) and the
-- waitlist number drawn for the sell-out (`base`, once `seal` stored it). Refusal:
-- ADMISSION_REQUIRED with `reason`.
function OPS.use()
  local rec = settled(args.ticket)
  if not rec or rec.s ~= args.scope then return fail('ADMISSION_REQUIRED', { reason = 'not_admitted' }) end
  if args.quantity > rec.p then return fail('ADMISSION_REQUIRED', { reason = 'party_size', partySize = rec.p }) end
  if args.scope == 'a' then
    if NOW >= rec.ax then return fail('ADMISSION_REQUIRED', { reason = 'expired' }) end
    if rec.u == 1 then return fail('ADMISSION_REQUIRED', { reason = 'used' }) end
    -- Spent now; the admission ends (`finish`) once the booking is through, so no tick admits the
    -- next shopper into places this booking is about to take.
    rec.u = 1
    put(args.ticket, rec)
  else
    if rec.wl == 1 then return fail('ADMISSION_REQUIRED', { reason = 'used' }) end
    rec.wl = 1
    put(args.ticket, rec)
    -- `base` stays a string: cjson would print a large number with 14 digits only.
    local base = redis.call('HGET', STATE, 'wlBase')
    return cjson.encode({ ok = true, q = rec.q, base = base or nil })
  end
  return cjson.encode({ ok = true })
end

-- seal {base}: stores the waitlist number drawn in PostgreSQL for this line's sell-out, unless one
-- is stored already (several servers may draw one); answers the stored one.
function OPS.seal()
  redis.call('HSETNX', STATE, 'wlBase', args.base)
  return cjson.encode({ ok = true, base = redis.call('HGET', STATE, 'wlBase') })
end

-- finish {ticket}: a booking under the admission is through (or failed): the admission ends.
function OPS.finish()
  local rec = get(args.ticket)
  if rec and rec.s == 'a' then end_admission(args.ticket, rec) end
  return cjson.encode({ ok = true })
end

-- stats {} → what the console shows of the line.
function OPS.stats()
  local left = places()
  return cjson.encode({
    ok = true,
    waiting = waiting_count(),
    active = redis.call('ZCARD', ACTIVE),
    admittedLastMinute = redis.call('ZCOUNT', ADMITS, NOW - 60000, NOW),
    series = redis.call('LRANGE', SERIES, 0, -1),
    opened = flag('opened'),
    soldOut = flag('soldOut'),
    available = left and left.available or cjson.null,
    now = NOW,
  })
end

local run = OPS[op]
if not run then return fail('UNKNOWN_OPERATION') end
return run()
