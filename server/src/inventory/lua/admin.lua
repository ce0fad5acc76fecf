-- Organizer and upkeep operations: blocks, cancellation, snapshots, the sweeper and reconciliation.
-- Part of the inventory script (see lib/core.lua); each operation is one entry of OPS.

-- sweep: run by the sweeper for its expiry purge and hold warnings; says whether the event is idle
-- and how many hold events wait to be moved into the outbox.
-- Keys: HEXP, PENDING, META, NOTICES. Args: idleMs. Result: {idle, notices}.
function OPS.sweep()
  -- Idle: nothing that can expire or heal, no hold event waiting and no change for a while, so the
  -- sweeper may stop visiting this event until something happens to it again.
  local touched = tonumber(redis.call('HGET', META, 'touched') or '0') or 0
  local notices = redis.call('ZCARD', NOTICES)
  local idle = redis.call('ZCARD', HEXP) == 0 and redis.call('ZCARD', PENDING) == 0 and notices == 0
    and NOW - touched > args.idleMs
  return finish({ ok = true, idle = idle, notices = notices })
end

-- block: takes available seats off sale (organizer); all or nothing.
-- Keys: IDS, STATE, COUNTS. Args: seats[]. Result: {}. Refusals: UNKNOWN_SEATS {seats}, SEAT_UNAVAILABLE {seats}.
function OPS.block()
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
end

-- unblock: puts blocked seats back on sale.
-- Keys: STATE, COUNTS. Args: seats[]. Result: {}.
function OPS.unblock()
  for _, seat in ipairs(args.seats) do
    if get_state(seat) == 'x' then set_state(seat, nil) end
  end
  return finish({ ok = true })
end

-- cancel_event: the event was cancelled in PostgreSQL: every hold, sold place and waiting booking goes;
-- blocks stay.
-- Keys: META, HOLDS, HEXP, ADDR, STATE, COUNTS, LAYOUT, WL, WLQ. Args: none. Result: {}.
function OPS.cancel_event()
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
  for _, sec in ipairs(decoded(redis.call('HGET', META, 'sections'))) do
    local L = layout_of(sec)
    if L and L.k == 'g' then
      redis.call('HSET', COUNTS, sec .. ':booked', 0)
      gaChanged = true
    end
  end
  redis.call('DEL', WL, WLQ)
  waitlistChanged = true
  return finish({ ok = true })
end

-- snapshot: every seat state and counter at one version, for availability answers.
-- Keys: META, STATE, COUNTS, WL, HEXP. Args: none.
-- Result: {status, state[seat, state, ...], counts[key, value, ...], waitlist, holds}.
function OPS.snapshot()
  return finish({
    ok = true,
    status = status,
    state = redis.call('HGETALL', STATE),
    counts = redis.call('HGETALL', COUNTS),
    waitlist = redis.call('ZCARD', WL),
    holds = redis.call('ZCARD', HEXP),
  })
end

-- reconcile: makes Redis agree with PostgreSQL's view, read just before (PostgreSQL wins).
-- Keys: STATE, COUNTS, HOLDS, HEXP, ADDR, WL, WLQ, PENDING, SETTLED.
-- Args: booked{seat: bookingId}, blocked[], general{section: booked}, waitlist[{id, seq, q, s?}], readAt.
-- Result: {repaired[]} (seats, sections and booking ids that were wrong).
function OPS.reconcile()
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
