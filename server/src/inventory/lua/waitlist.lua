-- The waitlist: strict FIFO by PostgreSQL sequence number.
-- Part of the inventory script (see lib/core.lua); each operation is one entry of OPS.

-- wl_join: a booking joins the line at its PostgreSQL sequence number.
-- Keys: WL, WLQ. Args: bookingId, seq, quantity, section?. Result: {position} (1 = next).
function OPS.wl_join()
  redis.call('ZADD', WL, args.seq, args.bookingId)
  redis.call('HSET', WLQ, args.bookingId, cjson.encode({ q = args.quantity, s = args.section }))
  waitlistChanged = true
  return finish({ ok = true, position = redis.call('ZRANK', WL, args.bookingId) + 1 })
end

-- wl_leave: a booking leaves the line.
-- Keys: WL, WLQ. Args: bookingId. Result: {removed} (1 if it was in the line, else 0).
function OPS.wl_leave()
  local removed = redis.call('ZREM', WL, args.bookingId)
  redis.call('HDEL', WLQ, args.bookingId)
  waitlistChanged = removed == 1
  return finish({ ok = true, removed = removed })
end

-- wl_positions: the head of the line, to tell each waiting booking its position.
-- Keys: WL. Args: limit. Result: {ids[], length}.
function OPS.wl_positions()
  local ids = redis.call('ZRANGE', WL, 0, args.limit - 1)
  return finish({ ok = true, ids = ids, length = redis.call('ZCARD', WL) })
end

-- promote: serves the head of the line while it fits, all or nothing per party, never skipping it:
-- booked (mode `auto`, pending like book_best) or held as an offer `offer_<bookingId>` (mode `offer`).
-- Keys: WL, WLQ, META, LAYOUT, STATE, COUNTS, and PENDING, PENDINGD (auto) or HOLDS, HEXP (offer).
-- Args: mode, offerTtl, limit. Result: {promoted[{bookingId, seats[], general{section: quantity}, token?, exp?}]}.
function OPS.promote()
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
end
