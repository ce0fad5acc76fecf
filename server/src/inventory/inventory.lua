-- Every state change of one event's inventory, as one atomic script (invariants 1 and 4, docs/architecture.md).
-- All keys share the hash tag {<eventId>} so this runs unchanged on Redis Cluster.
-- KEYS: meta ids state holds hexp counts layout wl wlq pending pendingd settled addr, then `proof`:
-- the key that marks this call's proof-of-work solution used (a placeholder when it has none).
-- ARGV: operation, eventId, JSON arguments. Returns a JSON string.
local META, IDS, STATE, HOLDS, HEXP, COUNTS, LAYOUT, WL, WLQ, PENDING, PENDINGD, SETTLED, ADDR, PROOF =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12],
  KEYS[13], KEYS[14]
local op, eventId = ARGV[1], ARGV[2]
local args = cjson.decode(ARGV[3])
local CHANNEL = 'happening:inventory'

-- Redis's clock, not the caller's: every server agrees on when a hold expires.
local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local changes, expired, gaChanged, waitlistChanged = {}, {}, false, false

local function section_of(seat) return string.match(seat, '^([^%-]+)%-') end
local function kind_of(state)
  if not state then return nil end
  local c = string.sub(state, 1, 1)
  if c == 'h' then return 'held' elseif c == 'b' then return 'booked' elseif c == 'x' then return 'blocked' end
  return nil
end
local function count(sec, kind, delta)
  if kind and delta ~= 0 then redis.call('HINCRBY', COUNTS, sec .. ':' .. kind, delta) end
end
local function get_state(seat)
  local s = redis.call('HGET', STATE, seat)
  if s == false then return nil end
  return s
end
-- The only way a seat changes state: keeps section counters and the change list in step.
local function set_state(seat, new, holdExp)
  local old = get_state(seat)
  if old == new then return end
  local sec = section_of(seat)
  count(sec, kind_of(old), -1)
  if new then
    redis.call('HSET', STATE, seat, new)
    count(sec, kind_of(new), 1)
  else
    redis.call('HDEL', STATE, seat)
  end
  -- A held seat's change carries its hold's expiry, for the console's seat details.
  changes[#changes + 1] = { seat, kind_of(new) or 'available', new or '', holdExp }
end

local function get_hold(token)
  local raw = redis.call('HGET', HOLDS, token)
  if not raw then return nil end
  local h = cjson.decode(raw)
  if type(h.s) ~= 'table' then h.s = {} end
  if type(h.g) ~= 'table' then h.g = {} end
  return h
end

-- Per-address allowance (docs/security.md): a hold made by a capped caller remembers its
-- address key (`a`) and how many places it has charged to it (`c`). ADDR holds, per address key,
-- `<a>:s` (places held) and `<a>:h` (open holds). Invariant: for every address, `<a>:s` is the sum
-- of `c` over its holds and `<a>:h` their number. It holds because every path that changes a
-- hold's places ends in save_hold or drop_hold, which settle the difference.
local function hold_size(h)
  local n = #h.s
  for _, q in pairs(h.g) do n = n + q end
  return n
end
local function addr_used(a, kind)
  return tonumber(redis.call('HGET', ADDR, a .. ':' .. kind) or '0') or 0
end
local function addr_add(a, kind, delta)
  if delta == 0 then return end
  if redis.call('HINCRBY', ADDR, a .. ':' .. kind, delta) <= 0 then redis.call('HDEL', ADDR, a .. ':' .. kind) end
end

local function save_hold(token, h)
  if h.a then
    local size = hold_size(h)
    addr_add(h.a, 's', size - (h.c or 0))
    h.c = size
  end
  redis.call('HSET', HOLDS, token, cjson.encode(h))
  redis.call('ZADD', HEXP, h.exp, token)
end
local function drop_hold(token, h)
  if h and h.a then
    addr_add(h.a, 's', -(h.c or 0))
    addr_add(h.a, 'h', -1)
  end
  redis.call('HDEL', HOLDS, token)
  redis.call('ZREM', HEXP, token)
end
local function free_hold(token, h)
  for _, seat in ipairs(h.s) do
    if get_state(seat) == 'h:' .. token then set_state(seat, nil) end
  end
  for sec, q in pairs(h.g) do
    count(sec, 'held', -q)
    gaChanged = true
  end
  drop_hold(token, h)
end
-- Expiry is checked here, inside every script, and by the sweeper: no keyspace notifications.
local function purge_expired()
  local tokens = redis.call('ZRANGEBYSCORE', HEXP, '-inf', NOW, 'LIMIT', 0, 500)
  for _, token in ipairs(tokens) do
    local h = get_hold(token)
    if h then
      free_hold(token, h)
      expired[#expired + 1] = { token = token, seats = h.s, general = h.g, offer = h.o }
    else
      redis.call('ZREM', HEXP, token)
    end
  end
end

-- The seat and hold allowances of this event: the loader's copy in meta, else the caller's (an
-- inventory loaded before the caps existed).
local function caps(cap)
  return tonumber(redis.call('HGET', META, 'capSeats') or '') or cap.seats,
    tonumber(redis.call('HGET', META, 'capHolds') or '') or cap.holds
end
local function hold_view(token, h)
  return { token = token, seats = h.s, general = h.g, exp = h.exp, ext = h.ext, offer = h.o }
end

local function layout_of(sec)
  local raw = redis.call('HGET', LAYOUT, sec)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function num(key)
  return tonumber(redis.call('HGET', COUNTS, key) or '0') or 0
end
local function general_available(sec)
  return num(sec .. ':cap') - num(sec .. ':held') - num(sec .. ':booked')
end

-- Best available in one reserved section: q adjacent seats in one row, nearest the front centre,
-- avoiding a lone empty seat beside the block where it can. Returns seat ids and a score.
local function best_block(sec, L, q)
  local best, bestScore = nil, nil
  for ri, row in ipairs(L.r) do
    if bestScore and (ri - 1) * 1000 > bestScore then break end
    local prefix, nums = sec .. '-' .. row[1] .. '-', row[2]
    local n = #nums
    local center = (n + 1) / 2
    local i = 1
    while i <= n do
      if redis.call('HEXISTS', STATE, prefix .. nums[i]) == 0 then
        local j = i
        while j < n and redis.call('HEXISTS', STATE, prefix .. nums[j + 1]) == 0 do j = j + 1 end
        if j - i + 1 >= q then
          for s = i, j - q + 1 do
            local orphans = 0
            if s - i == 1 then orphans = orphans + 1 end
            if j - (s + q - 1) == 1 then orphans = orphans + 1 end
            local score = (ri - 1) * 1000 + math.abs(s + (q - 1) / 2 - center) * 2 + orphans * 1500
            if not bestScore or score < bestScore then
              bestScore = score
              best = {}
              for k = s, s + q - 1 do best[#best + 1] = prefix .. nums[k] end
            end
          end
        end
        i = j + 1
      else
        i = i + 1
      end
    end
  end
  return best, bestScore
end

-- Fallback when no block fits: the q available seats nearest the front centre.
local function nearest_seats(sec, L, q)
  local candidates = {}
  for ri, row in ipairs(L.r) do
    local prefix, nums = sec .. '-' .. row[1] .. '-', row[2]
    local center = (#nums + 1) / 2
    for k, n in ipairs(nums) do
      local id = prefix .. n
      if redis.call('HEXISTS', STATE, id) == 0 then
        candidates[#candidates + 1] = { id, (ri - 1) * 1000 + math.abs(k - center) * 2 }
      end
    end
  end
  if #candidates < q then return nil end
  table.sort(candidates, function(a, b) return a[2] < b[2] end)
  local seats = {}
  for k = 1, q do seats[k] = candidates[k][1] end
  return seats
end

-- Chooses q places: { seats = {...} } or { general = { [sec] = q } }, or nil when nothing fits.
local function pick(q, section)
  local order = cjson.decode(redis.call('HGET', META, 'sections'))
  if section then order = { section } end
  local best, bestScore = nil, nil
  for _, sec in ipairs(order) do
    local L = layout_of(sec)
    if L and L.k == 'r' then
      local seats, score = best_block(sec, L, q)
      if seats and (not bestScore or score < bestScore) then best, bestScore = seats, score end
    end
  end
  if best then return { seats = best, general = {} } end
  for _, sec in ipairs(order) do
    local L = layout_of(sec)
    if L and L.k == 'r' then
      local seats = nearest_seats(sec, L, q)
      if seats then return { seats = seats, general = {} } end
    end
  end
  for _, sec in ipairs(order) do
    local L = layout_of(sec)
    if L and L.k == 'g' and general_available(sec) >= q then
      local g = {}
      g[sec] = q
      return { seats = {}, general = g }
    end
  end
  return nil
end

local function mark_booked(bookingId, seats, general)
  for _, seat in ipairs(seats) do set_state(seat, 'b:' .. bookingId) end
  for sec, q in pairs(general) do
    count(sec, 'booked', q)
    gaChanged = true
  end
  -- Pending until PostgreSQL commits: the healer rolls it back if the commit never comes.
  redis.call('ZADD', PENDING, NOW, bookingId)
  redis.call('HSET', PENDINGD, bookingId, cjson.encode({ s = seats, g = general }))
end

local function finish(result)
  if #changes > 0 or gaChanged or #expired > 0 or waitlistChanged then
    local v = redis.call('HINCRBY', META, 'v', 1)
    redis.call('HSET', META, 'touched', NOW)
    local gone = {}
    for _, e in ipairs(expired) do gone[#gone + 1] = { e.token, e.seats } end
    redis.call('PUBLISH', CHANNEL, cjson.encode({ e = eventId, v = v, c = changes, g = gaChanged, x = gone, w = waitlistChanged }))
    result.v = v
  else
    result.v = tonumber(redis.call('HGET', META, 'v'))
  end
  result.expired = expired
  return cjson.encode(result)
end
local function fail(code, extra)
  local result = extra or {}
  result.ok = false
  result.code = code
  return finish(result)
end

if redis.call('EXISTS', META) == 0 then return cjson.encode({ ok = false, code = 'COLD' }) end
purge_expired()

local status = redis.call('HGET', META, 'status')
local selling = { hold = true, book_hold = true, book_best = true, extend = true }
if selling[op] and status ~= 'on_sale' then
  return fail(status == 'cancelled' and 'EVENT_CANCELLED' or 'EVENT_NOT_ON_SALE')
end

if op == 'hold' then
  local token = args.token
  local h = get_hold(token)
  if args.existing and not h then return fail('HOLD_NOT_FOUND') end
  if h and h.o then return fail('HOLD_NOT_FOUND') end
  if not h then h = { s = {}, g = {}, exp = NOW + args.ttl, ext = 0, born = NOW } end
  local mine, seen, want, unknown, taken = {}, {}, {}, {}, {}
  for _, seat in ipairs(h.s) do mine[seat] = true end
  for _, seat in ipairs(args.seats) do
    if not seen[seat] then
      seen[seat] = true
      if redis.call('SISMEMBER', IDS, seat) == 0 then
        unknown[#unknown + 1] = seat
      elseif not mine[seat] then
        if redis.call('HEXISTS', STATE, seat) == 1 then taken[#taken + 1] = seat else want[#want + 1] = seat end
      end
    end
  end
  if #unknown > 0 then return fail('UNKNOWN_SEATS', { seats = unknown }) end
  if #taken > 0 then return fail('SEAT_UNAVAILABLE', { seats = taken }) end
  local wantGeneral, short = {}, {}
  local total = #h.s + #want
  for sec, q in pairs(h.g) do total = total + q end
  for _, item in ipairs(args.general) do
    local L = layout_of(item.section)
    if not L or L.k ~= 'g' then return fail('UNKNOWN_SEATS', { sections = { item.section } }) end
    local available = general_available(item.section)
    if available < item.quantity then
      short[#short + 1] = { section = item.section, quantity = item.quantity, available = available }
    end
    wantGeneral[item.section] = (wantGeneral[item.section] or 0) + item.quantity
    total = total + item.quantity
  end
  if #short > 0 then return fail('SEAT_UNAVAILABLE', { seats = {}, general = short }) end
  if args.best then total = total + args.best.quantity end
  if total > args.max then return fail('HOLD_LIMIT_EXCEEDED', { max = args.max }) end
  if not args.best and #want == 0 and next(wantGeneral) == nil and #h.s == 0 and next(h.g) == nil then
    return fail('VALIDATION_FAILED')
  end
  -- Publishable-key callers (`cap`): the hold is charged to the address that made it; a hold
  -- nobody capped yet (made with a secret key) becomes the caller's.
  local cap, proofNeeded = args.cap, false
  if cap then
    local a = h.a or cap.a
    local seatsCap, holdsCap = caps(cap)
    local heldBefore = addr_used(a, 's')
    local opens = addr_used(a, 'h') + (h.a and 0 or 1)
    local heldAfter = heldBefore - (h.c or 0) + total
    if opens > holdsCap then return fail('HOLD_CAP_REACHED', { cap = 'holds', max = holdsCap }) end
    if heldAfter > seatsCap and heldAfter > heldBefore then
      return fail('HOLD_CAP_REACHED', { cap = 'seats', max = seatsCap, held = heldBefore })
    end
    -- Close to the cap (past half of the seats), every hold that takes more must prove work.
    proofNeeded = cap.always or (heldAfter > heldBefore and heldAfter * 2 > seatsCap)
    if proofNeeded then
      if not cap.proof then return fail('CHALLENGE_REQUIRED') end
      -- The solution is spent only by a hold that succeeds (set below); a second use is a replay.
      if redis.call('EXISTS', PROOF) == 1 then return fail('CHALLENGE_REQUIRED', { replayed = true }) end
    end
  end
  if args.best then
    local chosen = pick(args.best.quantity, args.best.section)
    if not chosen then return fail('SEAT_UNAVAILABLE', { seats = {}, bestAvailable = true }) end
    for _, seat in ipairs(chosen.seats) do want[#want + 1] = seat end
    for sec, q in pairs(chosen.general) do wantGeneral[sec] = (wantGeneral[sec] or 0) + q end
  end
  if proofNeeded then redis.call('SET', PROOF, '1', 'PX', cap.proofTtl) end
  if cap and not h.a then
    h.a, h.c = cap.a, 0
    addr_add(h.a, 'h', 1)
  end
  for _, seat in ipairs(want) do
    set_state(seat, 'h:' .. token, h.exp)
    h.s[#h.s + 1] = seat
  end
  for sec, q in pairs(wantGeneral) do
    count(sec, 'held', q)
    h.g[sec] = (h.g[sec] or 0) + q
    gaChanged = true
  end
  if args.marker then h.d = nil end
  save_hold(token, h)
  return finish({ ok = true, hold = hold_view(token, h) })

elseif op == 'hold_get' then
  local h = get_hold(args.token)
  if not h then return fail('HOLD_NOT_FOUND') end
  return finish({ ok = true, hold = hold_view(args.token, h) })

elseif op == 'release' then
  local h = get_hold(args.token)
  -- An offer's hold is released only by the booking service, naming the offer.
  if not h or (h.o and h.o ~= args.offer) then return fail('HOLD_NOT_FOUND') end
  if args.seats == nil or args.all then
    free_hold(args.token, h)
    return finish({ ok = true, released = h.s })
  end
  local drop, keep, released = {}, {}, {}
  for _, seat in ipairs(args.seats) do drop[seat] = true end
  for _, seat in ipairs(h.s) do
    if drop[seat] then
      if get_state(seat) == 'h:' .. args.token then set_state(seat, nil) end
      released[#released + 1] = seat
    else
      keep[#keep + 1] = seat
    end
  end
  h.s = keep
  if #keep == 0 and next(h.g) == nil then
    drop_hold(args.token, h)
  else
    save_hold(args.token, h)
  end
  return finish({ ok = true, released = released, hold = hold_view(args.token, h) })

elseif op == 'extend' then
  local h = get_hold(args.token)
  if not h or h.o then return fail('HOLD_NOT_FOUND') end
  if h.ext >= args.maxExtensions then return fail('EXTENSION_LIMIT_REACHED') end
  -- An address above its allowance (places an uncapped caller added to its hold) cannot keep
  -- them longer with the publishable key.
  if args.cap and h.a then
    local seatsCap = caps(args.cap)
    if addr_used(h.a, 's') > seatsCap then
      return fail('HOLD_CAP_REACHED', { cap = 'seats', max = seatsCap, held = addr_used(h.a, 's') })
    end
  end
  local cap = h.born + args.maxLifetime
  if h.exp >= cap then return fail('EXTENSION_LIMIT_REACHED') end
  -- A full TTL from now, capped; an extension within the same millisecond still counts, so the
  -- answer never depends on how fast the caller was.
  h.exp = math.max(h.exp, math.min(NOW + args.ttl, cap))
  h.ext = h.ext + 1
  save_hold(args.token, h)
  -- Watchers see the new expiry: the seats stay held, their change carries the later time.
  for _, seat in ipairs(h.s) do changes[#changes + 1] = { seat, 'held', 'h:' .. args.token, h.exp } end
  return finish({ ok = true, hold = hold_view(args.token, h) })

elseif op == 'book_hold' then
  local h = get_hold(args.token)
  if not h then
    for _, e in ipairs(expired) do
      if e.token == args.token then return fail('HOLD_EXPIRED') end
    end
    return fail('HOLD_NOT_FOUND')
  end
  if h.o and h.o ~= args.offerFor then return fail('HOLD_NOT_FOUND') end
  if #h.s == 0 and next(h.g) == nil then return fail('HOLD_NOT_FOUND') end
  for sec, q in pairs(h.g) do count(sec, 'held', -q) end
  drop_hold(args.token, h)
  mark_booked(args.bookingId, h.s, h.g)
  return finish({ ok = true, seats = h.s, general = h.g })

elseif op == 'book_best' then
  -- Strict FIFO: while people wait, a new request joins the line instead of overtaking it.
  if redis.call('ZCARD', WL) > 0 then return fail('NO_FIT', { queue = true }) end
  local chosen = pick(args.quantity, args.section)
  if not chosen then return fail('NO_FIT', { queue = false }) end
  mark_booked(args.bookingId, chosen.seats, chosen.general)
  return finish({ ok = true, seats = chosen.seats, general = chosen.general })

elseif op == 'settle' then
  -- Committed in PostgreSQL: one booking (`bookingId`), or every booking of a group commit on
  -- this event (`bookingIds`) in the same call.
  local ids = args.bookingIds or { args.bookingId }
  for _, id in ipairs(ids) do
    redis.call('ZREM', PENDING, id)
    redis.call('HDEL', PENDINGD, id)
    redis.call('ZADD', SETTLED, NOW, id)
  end
  redis.call('ZREMRANGEBYSCORE', SETTLED, '-inf', NOW - 600000)
  return finish({ ok = true })

elseif op == 'unbook' then
  -- Frees a booking's places (cancelled, or its PostgreSQL commit failed). `truth` re-asserts
  -- seats PostgreSQL says belong to other bookings: Postgres wins.
  local detail = redis.call('HGET', PENDINGD, args.bookingId)
  local seats, general = args.seats, args.general
  if detail and args.fromPending then
    local d = cjson.decode(detail)
    seats = type(d.s) == 'table' and d.s or {}
    general = type(d.g) == 'table' and d.g or {}
  end
  for _, seat in ipairs(seats) do
    if get_state(seat) == 'b:' .. args.bookingId then set_state(seat, nil) end
  end
  for sec, q in pairs(general) do
    count(sec, 'booked', -q)
    gaChanged = true
  end
  for seat, owner in pairs(args.truth or {}) do set_state(seat, 'b:' .. owner) end
  redis.call('ZREM', PENDING, args.bookingId)
  redis.call('HDEL', PENDINGD, args.bookingId)
  return finish({ ok = true, seats = seats, general = general })

elseif op == 'pending_stale' then
  return finish({ ok = true, ids = redis.call('ZRANGEBYSCORE', PENDING, '-inf', NOW - args.graceMs, 'LIMIT', 0, 100) })

elseif op == 'wl_join' then
  redis.call('ZADD', WL, args.seq, args.bookingId)
  redis.call('HSET', WLQ, args.bookingId, cjson.encode({ q = args.quantity, s = args.section }))
  waitlistChanged = true
  return finish({ ok = true, position = redis.call('ZRANK', WL, args.bookingId) + 1 })

elseif op == 'wl_leave' then
  local removed = redis.call('ZREM', WL, args.bookingId)
  redis.call('HDEL', WLQ, args.bookingId)
  waitlistChanged = removed == 1
  return finish({ ok = true, removed = removed })

elseif op == 'wl_positions' then
  local ids = redis.call('ZRANGE', WL, 0, args.limit - 1)
  return finish({ ok = true, ids = ids, length = redis.call('ZCARD', WL) })

elseif op == 'promote' then
  -- Serves the head of the line while it fits, all or nothing for its party; never skips it.
  local promoted = {}
  while #promoted < args.limit do
    local head = redis.call('ZRANGE', WL, 0, 0)[1]
    if not head then break end
    local entry = cjson.decode(redis.call('HGET', WLQ, head) or '{"q":1}')
    local section = entry.s
    if section == cjson.null then section = nil end
    if status ~= 'on_sale' then break end
    local chosen = pick(entry.q, section)
    if not chosen then break end
    redis.call('ZREM', WL, head)
    redis.call('HDEL', WLQ, head)
    waitlistChanged = true
    if args.mode == 'offer' then
      local token = 'offer_' .. head
      local h = { s = chosen.seats, g = chosen.general, exp = NOW + args.offerTtl, ext = 0, born = NOW, o = head }
      for _, seat in ipairs(chosen.seats) do set_state(seat, 'h:' .. token, h.exp) end
      for sec, q in pairs(chosen.general) do
        count(sec, 'held', q)
        gaChanged = true
      end
      save_hold(token, h)
      promoted[#promoted + 1] = { bookingId = head, seats = chosen.seats, general = chosen.general, token = token, exp = h.exp }
    else
      mark_booked(head, chosen.seats, chosen.general)
      promoted[#promoted + 1] = { bookingId = head, seats = chosen.seats, general = chosen.general }
    end
  end
  return finish({ ok = true, promoted = promoted })

elseif op == 'sweep' then
  -- Idle: nothing that can expire or heal and no change for a while, so the sweeper may stop
  -- visiting this event until something happens to it again.
  local touched = tonumber(redis.call('HGET', META, 'touched') or '0') or 0
  local idle = redis.call('ZCARD', HEXP) == 0 and redis.call('ZCARD', PENDING) == 0 and NOW - touched > args.idleMs
  return finish({ ok = true, idle = idle })

elseif op == 'block' then
  local unknown, taken = {}, {}
  for _, seat in ipairs(args.seats) do
    if redis.call('SISMEMBER', IDS, seat) == 0 then
      unknown[#unknown + 1] = seat
    else
      local s = get_state(seat)
      if s and s ~= 'x' then taken[#taken + 1] = seat end
    end
  end
  if #unknown > 0 then return fail('UNKNOWN_SEATS', { seats = unknown }) end
  if #taken > 0 then return fail('SEAT_UNAVAILABLE', { seats = taken }) end
  for _, seat in ipairs(args.seats) do set_state(seat, 'x') end
  return finish({ ok = true })

elseif op == 'unblock' then
  for _, seat in ipairs(args.seats) do
    if get_state(seat) == 'x' then set_state(seat, nil) end
  end
  return finish({ ok = true })

elseif op == 'attach' then
  local h = get_hold(args.token)
  if not h then return fail('HOLD_NOT_FOUND') end
  if h.d then
    h.d = nil
    save_hold(args.token, h)
  end
  return finish({ ok = true, hold = hold_view(args.token, h) })

elseif op == 'detach' then
  local h = get_hold(args.token)
  if h then
    h.d = args.marker
    save_hold(args.token, h)
  end
  return finish({ ok = true })

elseif op == 'release_detached' then
  local h = get_hold(args.token)
  if h and h.d == args.marker then
    free_hold(args.token, h)
    return finish({ ok = true, released = h.s })
  end
  return finish({ ok = false, code = 'HOLD_NOT_FOUND' })

elseif op == 'cancel_event' then
  redis.call('HSET', META, 'status', 'cancelled')
  for _, token in ipairs(redis.call('HKEYS', HOLDS)) do
    local h = get_hold(token)
    if h then free_hold(token, h) end
  end
  -- No hold is left, so no address holds anything (free_hold gave each allowance back already).
  redis.call('DEL', ADDR)
  -- Every booking was cancelled in PostgreSQL first: free every sold place too, keep blocks.
  local all = redis.call('HGETALL', STATE)
  for i = 1, #all, 2 do
    if string.sub(all[i + 1], 1, 1) == 'b' then set_state(all[i], nil) end
  end
  for _, sec in ipairs(cjson.decode(redis.call('HGET', META, 'sections'))) do
    local L = layout_of(sec)
    if L and L.k == 'g' then
      redis.call('HSET', COUNTS, sec .. ':booked', 0)
      gaChanged = true
    end
  end
  redis.call('DEL', WL, WLQ)
  waitlistChanged = true
  return finish({ ok = true })

elseif op == 'snapshot' then
  return finish({
    ok = true,
    status = status,
    state = redis.call('HGETALL', STATE),
    counts = redis.call('HGETALL', COUNTS),
    waitlist = redis.call('ZCARD', WL),
    holds = redis.call('ZCARD', HEXP),
  })

elseif op == 'reconcile' then
  -- PostgreSQL's view (read just before this script) against Redis's. Seats of bookings still
  -- pending or settled since that read are left alone: their truth may be newer than the read.
  local fresh = {}
  for _, id in ipairs(redis.call('ZRANGE', PENDING, 0, -1)) do fresh[id] = true end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', SETTLED, args.readAt, '+inf')) do fresh[id] = true end
  local repaired = {}
  for seat, owner in pairs(args.booked) do
    local s = get_state(seat)
    if s ~= 'b:' .. owner then
      if s and string.sub(s, 1, 2) == 'h:' then
        local token = string.sub(s, 3)
        local h = get_hold(token)
        if h then
          local keep = {}
          for _, held in ipairs(h.s) do if held ~= seat then keep[#keep + 1] = held end end
          h.s = keep
          save_hold(token, h)
        end
      end
      local ownerNow = s and string.sub(s, 1, 2) == 'b:' and string.sub(s, 3) or nil
      if not (ownerNow and fresh[ownerNow]) then
        set_state(seat, 'b:' .. owner)
        repaired[#repaired + 1] = seat
      end
    end
  end
  local blocked = {}
  for _, seat in ipairs(args.blocked) do blocked[seat] = true end
  local all = redis.call('HGETALL', STATE)
  for i = 1, #all, 2 do
    local seat, s = all[i], all[i + 1]
    local c = string.sub(s, 1, 1)
    if c == 'b' then
      local owner = string.sub(s, 3)
      if args.booked[seat] ~= owner and not fresh[owner] then
        set_state(seat, blocked[seat] and 'x' or nil)
        repaired[#repaired + 1] = seat
      end
    elseif c == 'x' and not blocked[seat] then
      set_state(seat, nil)
      repaired[#repaired + 1] = seat
    end
  end
  for seat, _ in pairs(blocked) do
    if not get_state(seat) then
      set_state(seat, 'x')
      repaired[#repaired + 1] = seat
    end
  end
  -- The line: PostgreSQL's waitlisted bookings, in PostgreSQL's order.
  local inLine = {}
  for _, entry in ipairs(args.waitlist) do
    inLine[entry.id] = true
    if not redis.call('ZSCORE', WL, entry.id) then
      redis.call('ZADD', WL, entry.seq, entry.id)
      redis.call('HSET', WLQ, entry.id, cjson.encode({ q = entry.q, s = entry.s }))
      waitlistChanged = true
      repaired[#repaired + 1] = entry.id
    end
  end
  for _, id in ipairs(redis.call('ZRANGE', WL, 0, -1)) do
    if not inLine[id] and not fresh[id] then
      redis.call('ZREM', WL, id)
      redis.call('HDEL', WLQ, id)
      waitlistChanged = true
      repaired[#repaired + 1] = id
    end
  end
  if next(fresh) == nil then
    for sec, booked in pairs(args.general) do
      if num(sec .. ':booked') ~= booked then
        redis.call('HSET', COUNTS, sec .. ':booked', booked)
        gaChanged = true
        repaired[#repaired + 1] = sec
      end
    end
  end
  return finish({ ok = true, repaired = repaired })
end

return cjson.encode({ ok = false, code = 'UNKNOWN_OPERATION' })
