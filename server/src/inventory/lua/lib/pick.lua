-- Choosing places: best available for a party, in reserved sections first, then general admission.

-- Which seats of a row are free (true at their index): one HMGET per row (500 fields at most per
-- call), not one HEXISTS per seat (50 seats: ~30 us against ~46 us, measured in a script here).
local function row_free(prefix, nums)
  local free, n = {}, #nums
  for from = 1, n, 500 do
    local to = math.min(n, from + 499)
    local fields = {}
    for k = from, to do fields[#fields + 1] = prefix .. nums[k] end
    local states = redis.call('HMGET', STATE, unpack(fields))
    for k = from, to do free[k] = not states[k - from + 1] end
  end
  return free
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
      nums = L.nums(ri)
      free = row_free(prefix, nums)
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
    local nums, free = {}, {}
    if num(sec .. ':row:' .. row[1]) < row[2] then
      nums = L.nums(ri)
      free = row_free(prefix, nums)
    end
    for k, n in ipairs(nums) do
      if free[k] then
        candidates[#candidates + 1] = { prefix .. n, (ri - 1) * 1000 + math.abs(k - center) * 2 }
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
-- count} each) and `nums(ri)`, the seat numbers of row ri, read only for a row that is scanned.
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
local function pick(q, section)
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
