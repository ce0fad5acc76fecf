-- Choosing places: best available for a party, in reserved sections first, then general admission.

-- Seat numbers 1..n, for rows numbered so (`ordered` in the layout): their ids need no lookup.
local counting = {}
local function one_to(n)
  for k = #counting + 1, n do counting[k] = k end
  return counting
end

-- Which seats of row ri are free (true at their position), and the row's seat numbers by position
-- (only the first `n` entries count: a row numbered 1..n shares one list). One HGET of the row's
-- occupancy string (lib/core.lua); a row without one is read one state per seat, by HMGET (500
-- fields at most per call). Booking a 1,000-seat event one seat at a time until sold out, choosing
-- took ~90 us a booking this way against ~270 us by HMGET (quiet Redis, timed inside the script).
local function row_free(sec, L, ri)
  local label, n = L.rows[ri][1], L.rows[ri][2]
  local nums = L.rows[ri][3] == 1 and one_to(n) or L.nums(ri)
  local free = {}
  local occupancy = redis.call('HGET', OCCUPANCY, sec .. ':' .. label)
  if occupancy then
    for k = 1, n do free[k] = string.byte(occupancy, nums[k]) == 48 end -- '0'
    return free, nums
  end
  local prefix = sec .. '-' .. label .. '-'
  for from = 1, n, 500 do
    local to = math.min(n, from + 499)
    local fields = {}
    for k = from, to do fields[#fields + 1] = prefix .. nums[k] end
    local states = redis.call('HMGET', STATE, unpack(fields))
    for k = from, to do free[k] = not states[k - from + 1] end
  end
  return free, nums
end

-- Best available in one reserved section: q adjacent seats in one row, nearest the front centre,
-- avoiding a lone empty seat beside the block where it can. Returns seat ids and a score.
-- Rows with fewer than q free seats (by their occupancy counter) are skipped unread.
local function best_block(sec, L, q)
  local best, bestScore = nil, nil
  for ri, row in ipairs(L.rows) do
    if bestScore and (ri - 1) * 1000 > bestScore then break end
    local prefix, n = sec .. '-' .. row[1] .. '-', row[2]
    local center = (n + 1) / 2
    local nums, free, i = nil, nil, n + 1
    if n - num(sec .. ':row:' .. row[1]) >= q then
      free, nums = row_free(sec, L, ri)
      i = 1
    end
    while i <= n do
      if free[i] then
        local j = i
        while j < n and free[j + 1] do j = j + 1 end
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
  for ri, row in ipairs(L.rows) do
    local prefix = sec .. '-' .. row[1] .. '-'
    local center = (row[2] + 1) / 2
    -- A full row (by its occupancy counter) has no candidate: skip it unread.
    if num(sec .. ':row:' .. row[1]) < row[2] then
      local free, nums = row_free(sec, L, ri)
      for k = 1, row[2] do
        if free[k] then
          candidates[#candidates + 1] = { prefix .. nums[k], (ri - 1) * 1000 + math.abs(k - center) * 2 }
        end
      end
    end
  end
  if #candidates < q then return nil end
  table.sort(candidates, function(a, b) return a[2] < b[2] end)
  local seats = {}
  for k = 1, q do seats[k] = candidates[k][1] end
  return seats
end

-- What pick reads of a section's layout: its kind and, for a reserved one, `rows` ({label, seat
-- count, 1 when its seats are numbered 1..count in order} each) and `nums(ri)`, the seat numbers
-- of row ri, read only for a row that is scanned and not numbered 1..count.
-- The loader writes `<sec>:rows` and `<sec>:row:<label>` beside the whole layout because decoding
-- the whole layout (every number of every row) was the largest cost of a booking: ~95 us for a
-- 1,000-seat section, where a booking scans one or two rows. An inventory loaded before those
-- fields existed is read from the whole layout.
local function pick_layout(sec)
  local raw = redis.call('HGET', LAYOUT, sec .. ':rows')
  if raw then
    local rows = cjson.decode(raw)
    return { k = 'r', rows = rows, nums = function(ri)
      return cjson.decode(redis.call('HGET', LAYOUT, sec .. ':row:' .. rows[ri][1]))
    end }
  end
  local L = layout_of(sec)
  if not L or L.k ~= 'r' then return L end
  local rows = {}
  for ri, row in ipairs(L.r) do rows[ri] = { row[1], #row[2] } end
  return { k = 'r', rows = rows, nums = function(ri) return L.r[ri][2] end }
end

-- Chooses q places: { seats = {...} } or { general = { [sec] = q } }, or nil when nothing fits.
local function choose(q, section)
  local order = cjson.decode(redis.call('HGET', META, 'sections'))
  if section then order = { section } end
  -- Sections that cannot fit q by their counters are never scanned; when none can, the answer
  -- (sold out) costs a few counter reads, not a read of every seat.
  local fits, layouts = {}, {}
  for _, sec in ipairs(order) do
    local L = pick_layout(sec)
    layouts[sec] = L
    if L and ((L.k == 'r' and reserved_available(sec) >= q) or (L.k == 'g' and general_available(sec) >= q)) then
      fits[#fits + 1] = sec
    end
  end
  if #fits == 0 then return nil end
  order = fits
  local best, bestScore = nil, nil
  for _, sec in ipairs(order) do
    local L = layouts[sec]
    if L and L.k == 'r' then
      local seats, score = best_block(sec, L, q)
      if seats and (not bestScore or score < bestScore) then best, bestScore = seats, score end
    end
  end
  if best then return { seats = best, general = {} } end
  for _, sec in ipairs(order) do
    local L = layouts[sec]
    if L and L.k == 'r' then
      local seats = nearest_seats(sec, L, q)
      if seats then return { seats = seats, general = {} } end
    end
  end
  for _, sec in ipairs(order) do
    local L = layouts[sec]
    if L and L.k == 'g' and general_available(sec) >= q then
      local g = {}
      g[sec] = q
      return { seats = {}, general = g }
    end
  end
  return nil
end

-- choose, with its seats checked against their states before anyone is given them: an occupancy
-- string that disagrees with a seat's state (which no path here should allow) must never sell a
-- taken seat. Each disagreement found is corrected, so this ends, and choose runs again.
local function pick(q, section)
  while true do
    local chosen = choose(q, section)
    if not chosen or #chosen.seats == 0 then return chosen end
    local states, stale = redis.call('HMGET', STATE, unpack(chosen.seats)), false
    for k, seat in ipairs(chosen.seats) do
      if states[k] then
        stale = true
        mark_occupancy(section_of(seat) .. ':' .. row_of(seat), number_of(seat), true)
      end
    end
    if not stale then return chosen end
    redis.log(redis.LOG_WARNING, 'inventory ' .. eventId .. ': a row occupancy string disagreed with its seats; corrected')
  end
end
