-- Bookings: Redis decides first and keeps the booking pending until PostgreSQL commits (docs/inventory.md).
-- Part of the inventory script (see lib/core.lua); each operation is one entry of OPS.

-- book_hold: a hold becomes a booking, pending until PostgreSQL commits.
-- Keys: HOLDS, HEXP, ADDR (the hold goes), STATE, COUNTS, PENDING, PENDINGD (the booking).
-- Args: token, bookingId, offerFor? (the booking an offer's hold is claimed by).
-- Result: {seats[], general{section: quantity}}. Refusals: EVENT_NOT_ON_SALE, EVENT_CANCELLED,
--   HOLD_NOT_FOUND, HOLD_EXPIRED (it expired in this very call).
function OPS.book_hold()
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
end

-- book_best: books the best `quantity` places without a hold, pending until PostgreSQL commits.
-- Keys: WL (read: nobody may overtake the line), META, LAYOUT, STATE, COUNTS, PENDING, PENDINGD.
-- Args: bookingId, quantity, section?. Result: {seats[], general{section: quantity}}.
-- Refusals: EVENT_NOT_ON_SALE, EVENT_CANCELLED, NO_FIT {queue} (`queue`: people are waiting).
function OPS.book_best()
  -- Strict FIFO: while people wait, a new request joins the line instead of overtaking it.
  if redis.call('ZCARD', WL) > 0 then return fail('NO_FIT', { queue = true }) end
  local chosen = pick(args.quantity, args.section)
  if not chosen then return fail('NO_FIT', { queue = false }) end
  mark_booked(args.bookingId, chosen.seats, chosen.general)
  return finish({ ok = true, seats = chosen.seats, general = chosen.general })
end

-- settle: bookings PostgreSQL committed leave the pending list and are noted as settled.
-- Keys: PENDING, PENDINGD, SETTLED, CONSOLES (read). Args: bookingId | bookingIds[].
-- Result: {watched}: whether a console watches the event (its news is worth sending).
function OPS.settle()
  -- Committed in PostgreSQL: one booking (`bookingId`), or every booking of a group commit on
  -- this event (`bookingIds`) in the same call.
  local ids = args.bookingIds or { args.bookingId }
  for _, id in ipairs(ids) do
    redis.call('ZREM', PENDING, id)
    redis.call('HDEL', PENDINGD, id)
    redis.call('ZADD', SETTLED, NOW, id)
  end
  redis.call('ZREMRANGEBYSCORE', SETTLED, '-inf', NOW - 600000)
  return finish({ ok = true, watched = redis.call('EXISTS', CONSOLES) == 1 })
end

-- unbook: frees a booking's places (cancelled, or its commit failed); `truth` re-asserts the
-- owners PostgreSQL knows (PostgreSQL wins).
-- Keys: STATE, COUNTS, PENDING, PENDINGD.
-- Args: bookingId, seats[], general{section: quantity}, truth?{seat: bookingId}, fromPending? (free
--   what the pending record says instead). Result: {seats[], general{section: quantity}}.
function OPS.unbook()
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
end

-- pending_stale: bookings pending for longer than graceMs (at most 100), for the healer.
-- Keys: PENDING. Args: graceMs. Result: {ids[]}.
function OPS.pending_stale()
  return finish({ ok = true, ids = redis.call('ZRANGEBYSCORE', PENDING, '-inf', NOW - args.graceMs, 'LIMIT', 0, 100) })
end
