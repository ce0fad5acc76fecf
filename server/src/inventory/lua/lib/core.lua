-- Every state change of one event's inventory, as one atomic function call (invariants 1 and 4,
-- docs/architecture.md). A Redis function library: the concatenation of lib/core.lua,
-- lib/pick.lua, one file per group of operations (holds, bookings, waitlist, admin) and
-- dispatch.lua, which registers `dispatch` (see inventory-script.ts). The library's code runs once,
-- when it is loaded: every helper below is made then, and a call only runs `dispatch`, which
-- first sets this call's keys, arguments and clock (begin_call). One FCALL per call, so every
-- operation stays atomic and touches one slot.
-- All keys share the hash tag {<eventId>} so this runs unchanged on Redis Cluster.
-- Keys: meta ids state holds hexp counts layout wl wlq pending pendingd settled addr notices warn occupancy, then `proof`:
-- the key that marks this call's proof-of-work solution used (a placeholder when it has none), then
-- `consoles`: set while a console watches the event (read by settle).
-- Arguments: operation, eventId, JSON arguments. Returns a JSON string: `ok`, `code` when refused, `v`
-- (the event's version after the call) and `expired` (holds this call found expired and freed).
-- Every operation reads META and first purges expired holds (HOLDS, HEXP, STATE, COUNTS, ADDR);
-- one that changes anything bumps META.v and publishes the change on CHANNEL (`finish`).
local CHANNEL = 'happening:inventory'

-- This call's keys, operation, arguments and time, and what it changed so far: set by begin_call
-- at the start of every call, so nothing of one call is seen by the next.
local META, IDS, STATE, HOLDS, HEXP, COUNTS, LAYOUT, WL, WLQ, PENDING, PENDINGD, SETTLED, ADDR, NOTICES, WARN, OCCUPANCY, PROOF, CONSOLES
local op, eventId, args, NOW
local changes, expired, gaChanged, waitlistChanged, noticed
-- What this call has read or written of seat states and row occupancy strings (false: none), so
-- a booking that has just read its seats' states and rows does not read them again to change them.
local statesSeen, occupancySeen
-- Sections whose full-front-rows count this call has already forgotten (set_state, lib/pick.lua).
local frontsForgotten
-- The event's sale status, read first by dispatch.lua.
local status

local function begin_call(keys, argv)
  META, IDS, STATE, HOLDS, HEXP, COUNTS, LAYOUT, WL, WLQ, PENDING, PENDINGD, SETTLED, ADDR, NOTICES, WARN, OCCUPANCY, PROOF, CONSOLES =
    keys[1], keys[2], keys[3], keys[4], keys[5], keys[6], keys[7], keys[8], keys[9], keys[10], keys[11], keys[12],
    keys[13], keys[14], keys[15], keys[16], keys[17], keys[18]
  op, eventId = argv[1], argv[2]
  args = cjson.decode(argv[3])
  -- Redis's clock, not the caller's: every server agrees on when a hold expires.
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  changes, expired, gaChanged, waitlistChanged, noticed = {}, {}, false, false, false
  statesSeen, occupancySeen, frontsForgotten = {}, {}, {}
  status = nil
end

-- JSON read on every call that rarely changes (a section's layout and row list, the event's
-- section order), decoded once per distinct string: decoding the 20-row list of a 1,000-seat
-- section took ~14 us of a ~110 us booking (quiet Redis, timed inside the function). Keyed by the
-- very string read, so a changed value is just another entry and a hit is exactly what decoding
-- gives; bounded, emptied whole when full. A library's locals outlive its calls (its body runs once,
-- at load) and each Redis has its own; what this returns is shared, so callers only read it.
local DECODED_MAX = 256
local decodedCache, decodedCount = {}, 0
local function decoded(raw)
  local value = decodedCache[raw]
  if value == nil then
    value = cjson.decode(raw)
    if decodedCount >= DECODED_MAX then decodedCache, decodedCount = {}, 0 end
    decodedCache[raw] = value
    decodedCount = decodedCount + 1
  end
  return value
end

local function section_of(seat) return string.match(seat, '^([^%-]+)%-') end
-- A reserved seat id is `<section>-<row>-<number>`; a row label may itself contain '-'.
local function row_of(seat) return string.match(seat, '^[^%-]+%-(.+)%-[^%-]+$') end
-- A reserved seat's number (the byte of its row's occupancy string).
local function number_of(seat) return tonumber(string.match(seat, '(%d+)$')) end
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
  local s = statesSeen[seat]
  if s == nil then
    s = redis.call('HGET', STATE, seat)
    statesSeen[seat] = s
  end
  if s == false then return nil end
  return s
end
-- A row's occupancy string (OCCUPANCY, `<section>:<row>`): byte n says whether seat number n is
-- taken ('1': held, booked or blocked), free ('0') or not in the row ('.'). Best available reads a
-- row as this one string instead of one state per seat (lib/pick.lua). Indexed by seat number, not
-- position, so keeping it needs no lookup; the loader writes it (only for rows whose numbers are
-- dense enough to keep it small) and set_state keeps it with every change. A row without one (an
-- inventory loaded before it existed, or a sparse row) is read seat by seat.
local TAKEN, FREE = '1', '0'
local function occupancy_of(field)
  local s = occupancySeen[field]
  if s == nil then
    s = redis.call('HGET', OCCUPANCY, field)
    occupancySeen[field] = s
  end
  return s
end
local function mark_occupancy(field, n, taken)
  local s = occupancy_of(field)
  if not s or not n or n > #s then return end
  s = string.sub(s, 1, n - 1) .. (taken and TAKEN or FREE) .. string.sub(s, n + 1)
  redis.call('HSET', OCCUPANCY, field, s)
  occupancySeen[field] = s
end

-- The only way a seat changes state: keeps section counters and the change list in step.
local function set_state(seat, new, holdExp)
  local old = get_state(seat)
  if old == new then return end
  local sec = section_of(seat)
  count(sec, kind_of(old), -1)
  -- Per-row occupancy: the counter `<section>:row:<label>` (seats held, booked or blocked), so
  -- best available skips full rows unread, and the row's occupancy string. Kept with every state
  -- change here and by the loader; an inventory loaded before the counters existed only
  -- undercounts, which skips less.
  if (old == nil) ~= (new == nil) then
    local row = row_of(seat)
    if row then
      redis.call('HINCRBY', COUNTS, sec .. ':row:' .. row, new and 1 or -1)
      mark_occupancy(sec .. ':' .. row, number_of(seat), new ~= nil)
      -- A freed seat may lie in the section's full front rows (lib/pick.lua): forget them.
      if new == nil and not frontsForgotten[sec] then
        redis.call('HDEL', COUNTS, sec .. ':front')
        frontsForgotten[sec] = true
      end
    end
  end
  if new then
    redis.call('HSET', STATE, seat, new)
    count(sec, kind_of(new), 1)
  else
    redis.call('HDEL', STATE, seat)
  end
  statesSeen[seat] = new or false
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

-- Hold events for partners (docs/notifications.md). A hold made while its organization has an
-- endpoint subscribed to hold events carries `n`, the kinds wanted ('w' hold_expiring, 'x'
-- hold_expired, 'e' hold_extended), and `nl`, how long before expiry to warn (ms). Each event is
-- queued in NOTICES by the very call that made it happen, so it exists exactly when the change
-- does; the server moves NOTICES into the PostgreSQL outbox, idempotently (hold-notices.ts).
local function wants(h, kind)
  return type(h.n) == 'string' and string.find(h.n, kind, 1, true) ~= nil
end
local function push_notice(kind, token, h, extra)
  local notice = { k = kind, t = token, exp = h.exp, s = h.s, g = h.g, at = NOW, x = h.xi }
  for key, value in pairs(extra or {}) do notice[key] = value end
  redis.call('ZADD', NOTICES, NOW, cjson.encode(notice))
  noticed = true
end
-- WARN: when each hold's `hold_expiring` is due; armed again whenever its expiry moves.
local function arm_warning(token, h)
  if wants(h, 'w') then redis.call('ZADD', WARN, math.max(NOW, h.exp - (h.nl or 0)), token) end
end
-- The warnings due now (run by every call, after the expiry purge: an expired hold warns no more).
local function warn_due()
  local due = redis.call('ZRANGEBYSCORE', WARN, '-inf', NOW, 'LIMIT', 0, 100)
  for _, token in ipairs(due) do
    redis.call('ZREM', WARN, token)
    local h = get_hold(token)
    if h then push_notice('w', token, h) end
  end
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
  redis.call('ZREM', WARN, token)
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
      if wants(h, 'x') then push_notice('x', token, h) end
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
  return { token = token, seats = h.s, general = h.g, exp = h.exp, ext = h.ext, offer = h.o, x = h.xi, co = h.co }
end

local function layout_of(sec)
  local raw = redis.call('HGET', LAYOUT, sec)
  if not raw then return nil end
  return decoded(raw)
end
local function num(key)
  return tonumber(redis.call('HGET', COUNTS, key) or '0') or 0
end
local function general_available(sec)
  return num(sec .. ':cap') - num(sec .. ':held') - num(sec .. ':booked')
end
-- Free seats of a reserved section, from its counters alone (O(1), no seat is read), and how many
-- of its rows from the front are known to be full (`<section>:front`, lib/pick.lua).
local function reserved_available(sec)
  local c = redis.call('HMGET', COUNTS, sec .. ':cap', sec .. ':held', sec .. ':booked', sec .. ':blocked', sec .. ':front')
  return (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[3]) or 0) - (tonumber(c[4]) or 0),
    tonumber(c[5]) or 0
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
  if noticed then result.noticed = true end
  return cjson.encode(result)
end
local function fail(code, extra)
  local result = extra or {}
  result.ok = false
  result.code = code
  return finish(result)
end

-- The operations, by name (the files of each group add theirs).
local OPS = {}
