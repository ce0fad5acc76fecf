-- Holds: what an attendee keeps for a while before booking.
-- Part of the inventory script (see lib/core.lua); each operation is one entry of OPS.

-- hold: takes seats, general-admission places or a best-available pick into a hold, all or nothing;
-- a new hold, or more places in an existing one (`existing`).
-- Keys: IDS, STATE, LAYOUT, COUNTS (read, and changed with the places), HOLDS, HEXP (the hold),
--   ADDR (the address's allowance, with `cap`), PROOF (set when the call spends a proof of work).
-- Args: token, existing, seats[], general[{section, quantity}], best?{quantity, section?}, max, ttl,
--   marker? (a widget socket: the hold is attended again), cap?{a, seats, holds, always, proof, proofTtl},
--   externalId? and notify?{k, lead} (a new hold only: the partner's reference, the hold events wanted).
--   WARN is armed for a new hold that wants `hold_expiring`.
-- Result: {hold}. Refusals: EVENT_NOT_ON_SALE, EVENT_CANCELLED, HOLD_NOT_FOUND, UNKNOWN_SEATS {seats|sections},
--   SEAT_UNAVAILABLE {seats, general?[{section, quantity, available}], bestAvailable?}, HOLD_LIMIT_EXCEEDED {max},
--   VALIDATION_FAILED, HOLD_CAP_REACHED {cap, max, held?}, CHALLENGE_REQUIRED {replayed?}.
function OPS.hold()
  local token = args.token
  local h = get_hold(token)
  if args.existing and not h then return fail('HOLD_NOT_FOUND') end
  if h and h.o then return fail('HOLD_NOT_FOUND') end
  local created = not h
  if created then
    h = { s = {}, g = {}, exp = NOW + args.ttl, ext = 0, born = NOW, xi = args.externalId }
    if args.notify then h.n, h.nl = args.notify.k, args.notify.lead end
  end
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
  if created then arm_warning(token, h) end
  return finish({ ok = true, hold = hold_view(token, h) })
end

-- hold_get: reads a hold.
-- Keys: HOLDS. Args: token. Result: {hold}. Refusals: HOLD_NOT_FOUND.
function OPS.hold_get()
  local h = get_hold(args.token)
  if not h then return fail('HOLD_NOT_FOUND') end
  return finish({ ok = true, hold = hold_view(args.token, h) })
end

-- release: gives back a whole hold (`all`, or no `seats`) or some of its seats.
-- Keys: HOLDS, HEXP, STATE, COUNTS, ADDR.
-- Args: token, seats?[], all?, offer? (an offer's hold is released only by naming its booking).
-- Result: {released[], hold?} (`hold`: what is left of a partial release). Refusals: HOLD_NOT_FOUND.
function OPS.release()
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
end

-- extend: a full TTL from now, at most maxExtensions times and never past maxLifetime after birth.
-- A moved expiry re-arms the hold's warning and queues `hold_extended` (WARN, NOTICES) when wanted.
-- Keys: HOLDS, HEXP, ADDR (read, with `cap`), WARN, NOTICES. Args: token, ttl, maxExtensions, maxLifetime, cap?{seats, holds}.
-- Result: {hold}. Refusals: EVENT_NOT_ON_SALE, EVENT_CANCELLED, HOLD_NOT_FOUND, EXTENSION_LIMIT_REACHED,
--   HOLD_CAP_REACHED {cap, max, held}.
function OPS.extend()
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
  local before = h.exp
  h.exp = math.max(h.exp, math.min(NOW + args.ttl, cap))
  h.ext = h.ext + 1
  save_hold(args.token, h)
  if h.exp ~= before then
    arm_warning(args.token, h)
    if wants(h, 'e') then push_notice('e', args.token, h, { pe = before, r = 'extend', n = h.ext }) end
  end
  -- Watchers see the new expiry: the seats stay held, their change carries the later time.
  for _, seat in ipairs(h.s) do changes[#changes + 1] = { seat, 'held', 'h:' .. args.token, h.exp } end
  return finish({ ok = true, hold = hold_view(args.token, h) })
end

-- checkout: the partner takes payment. Once per hold, it lives at least `grace` ms from now (never
-- less than it had), so the payment cannot outlast it, and a widget that goes away no longer
-- releases it (release_detached). A moved expiry re-arms the warning and queues `hold_extended`.
-- Keys: HOLDS, HEXP, WARN, NOTICES. Args: token, grace. Result: {hold}.
-- Refusals: EVENT_NOT_ON_SALE, EVENT_CANCELLED, HOLD_NOT_FOUND, CHECKOUT_ALREADY_STARTED.
function OPS.checkout()
  local h = get_hold(args.token)
  if not h or h.o then return fail('HOLD_NOT_FOUND') end
  if h.co then return fail('CHECKOUT_ALREADY_STARTED') end
  local before = h.exp
  h.exp = math.max(h.exp, NOW + args.grace)
  h.co, h.d = NOW, nil
  save_hold(args.token, h)
  if h.exp ~= before then
    arm_warning(args.token, h)
    if wants(h, 'e') then push_notice('e', args.token, h, { pe = before, r = 'checkout', n = 'c' }) end
    for _, seat in ipairs(h.s) do changes[#changes + 1] = { seat, 'held', 'h:' .. args.token, h.exp } end
  end
  return finish({ ok = true, hold = hold_view(args.token, h) })
end

-- attach: a widget that reconnected takes its hold back (clears the detached mark `d`).
-- Keys: HOLDS, HEXP. Args: token. Result: {hold}. Refusals: HOLD_NOT_FOUND.
function OPS.attach()
  local h = get_hold(args.token)
  if not h then return fail('HOLD_NOT_FOUND') end
  if h.d then
    h.d = nil
    save_hold(args.token, h)
  end
  return finish({ ok = true, hold = hold_view(args.token, h) })
end

-- detach: marks a hold whose widget socket went away with that socket's id.
-- Keys: HOLDS, HEXP. Args: token, marker. Result: {}.
function OPS.detach()
  local h = get_hold(args.token)
  if h then
    h.d = args.marker
    save_hold(args.token, h)
  end
  return finish({ ok = true })
end

-- release_detached: after the grace period, frees the hold unless it was attached again meanwhile
-- or its checkout started (the partner is taking payment: the page may well have gone away).
-- Keys: HOLDS, HEXP, STATE, COUNTS, ADDR. Args: token, marker. Result: {released[]}. Refusals: HOLD_NOT_FOUND.
function OPS.release_detached()
  local h = get_hold(args.token)
  if h and h.d == args.marker and not h.co then
    free_hold(args.token, h)
    return finish({ ok = true, released = h.s })
  end
  return finish({ ok = false, code = 'HOLD_NOT_FOUND' })
end
