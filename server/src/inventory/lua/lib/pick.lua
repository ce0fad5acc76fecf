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
  local occupancy = occupancy_of(sec .. ':' .. label)
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

-- The free runs of a row numbered 1..n, from its occupancy string: {i1, j1, i2, j2, ...}.
local function runs_of(occupancy, n)
  local runs, from = {}, 1
  while true do
    local i, j = string.find(occupancy, '0+', from)
    if not i or i > n then return runs end
    runs[#runs + 1] = i
    runs[#runs + 1] = math.min(j, n)
    from = j + 1
  end
end

-- The free runs of any other row, as positions, from row_free.
local function runs_by_position(sec, L, ri)
  local n = L.rows[ri][2]
  local free, nums = row_free(sec, L, ri)
  local runs, i = {}, 1
  while i <= n do
    if free[i] then
      local j = i
      while j < n and free[j + 1] do j = j + 1 end
      runs[#runs + 1] = i
      runs[#runs + 1] = j
      i = j + 1
    else
      i = i + 1
    end
  end
  return runs, nums
end

-- How a block of q seats at positions s..s+q-1 of the free run [i, j] in row ri scores (lower is
-- better): rows nearer the front first, then nearer the row's centre, plus 1500 for each lone free
-- seat it would leave beside it.
local function block_score(ri, s, q, i, j, center)
  local orphans = 0
  if s - i == 1 then orphans = orphans + 1 end
  if j - (s + q - 1) == 1 then orphans = orphans + 1 end
  return (ri - 1) * 1000 + math.abs(s + (q - 1) / 2 - center) * 2 + orphans * 1500
end

-- Occupancy strings one read fetches: the first read, at the first row not known to be full,
-- usually finds the block there; a later one passes a run of rows too full for the party.
local FIRST_READ, ROWS_PER_READ = 2, 8

-- Best available in one reserved section: q adjacent seats in one row, nearest the front centre,
-- avoiding a lone empty seat beside the block where it can. Returns seat ids and a score.
-- The scan starts after `front`, the section's rows from the front known to be full: a scan that
-- finds more full rows right after them says so (`<section>:front`), and set_state forgets the
-- count whenever a seat of the section is freed, so it never hides a free seat. On an on-sale
-- that fills the hall from the front, a booking then reads one or two rows instead of passing
-- every full row first.
-- Rows are read a few occupancy strings at a time; a row numbered 1..n is cut into free
-- runs by string.find on its string, and skipped when the string has no q free seats in a row.
-- Any other row is skipped unread when its occupancy counter leaves fewer than q seats.
-- Within a run only a few starts can score best, so only those are scored: the score is
-- 2 x (distance from the centred start c) plus the lone-seat penalty, which only the run's second
-- start and second-to-last start can carry. Its lowest is therefore at one of the two ends' pairs
-- or within 2 of c (clamped into the run): the nearest start on either side of c without the
-- penalty is among 3 consecutive ones. They are scored in increasing order, and a score must be
-- lower to win, so the block chosen is the one a scan of every start would choose (the tests
-- hold it to such a scan); a row of 50 free seats costs ~9 scores instead of 50.
local function best_block(sec, L, q, front)
  local bestScore, bestRi, bestS, bestNums = nil, nil, nil, nil
  local rows, strings, together = L.rows, {}, string.rep('0', q)
  local full, readTo = math.min(front, #rows), front
  for ri = full + 1, #rows do
    local row = rows[ri]
    if bestScore and (ri - 1) * 1000 > bestScore then break end
    if ri > readTo then
      local fields = {}
      readTo = math.min(#rows, ri + (readTo == front and FIRST_READ or ROWS_PER_READ) - 1)
      for k = ri, readTo do fields[#fields + 1] = sec .. ':' .. rows[k][1] end
      local read = redis.call('HMGET', OCCUPANCY, unpack(fields))
      for k, field in ipairs(fields) do
        if occupancySeen[field] == nil then occupancySeen[field] = read[k] end
        strings[ri + k - 1] = occupancySeen[field]
      end
    end
    local n, occupancy, runs, nums = row[2], strings[ri], nil, nil
    local taken = nil
    if occupancy and row[3] == 1 then
      if string.find(occupancy, together, 1, true) then
        runs, nums = runs_of(occupancy, n), one_to(n)
      elseif not string.find(occupancy, FREE, 1, true) then
        taken = n
      end
    else
      taken = num(sec .. ':row:' .. row[1])
      if n - taken >= q then runs, nums = runs_by_position(sec, L, ri) end
    end
    -- Full, right after the rows known to be full: one more of them.
    if full == ri - 1 and taken and taken >= n then full = ri end
    local center = (n + 1) / 2
    for r = 1, runs and #runs or 0, 2 do
      local i, j = runs[r], runs[r + 1]
      local lo, hi = i, j - q + 1
      if hi >= lo then
        local c = math.min(math.max(center - (q - 1) / 2, lo), hi)
        local last = lo - 1
        for pass = 1, 3 do
          local a, b
          if pass == 1 then
            a, b = lo, math.min(lo + 1, hi)
          elseif pass == 2 then
            a, b = math.max(math.floor(c) - 2, last + 1), math.min(math.ceil(c) + 2, hi)
          else
            a, b = math.max(hi - 1, last + 1), hi
          end
          for s = a, b do
            local score = block_score(ri, s, q, i, j, center)
            if not bestScore or score < bestScore then
              bestScore, bestRi, bestS, bestNums = score, ri, s, nums
            end
            last = s
          end
        end
      end
    end
  end
  if full > front then
    redis.call('HSET', COUNTS, sec .. ':front', full)
    frontsForgotten[sec] = nil
  end
  if not bestS then return nil, nil end
  local prefix, best = sec .. '-' .. rows[bestRi][1] .. '-', {}
  for k = bestS, bestS + q - 1 do best[#best + 1] = prefix .. bestNums[k] end
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
    local rows = decoded(raw)
    return { k = 'r', rows = rows, nums = function(ri)
      return decoded(redis.call('HGET', LAYOUT, sec .. ':row:' .. rows[ri][1]))
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
  local order = decoded(redis.call('HGET', META, 'sections'))
  if section then order = { section } end
  -- Sections that cannot fit q by their counters are never scanned; when none can, the answer
  -- (sold out) costs a few counter reads, not a read of every seat.
  local fits, layouts, fronts = {}, {}, {}
  for _, sec in ipairs(order) do
    local L = pick_layout(sec)
    layouts[sec] = L
    local fit = false
    if L and L.k == 'r' then
      local available
      available, fronts[sec] = reserved_available(sec)
      fit = available >= q
    elseif L and L.k == 'g' then
      fit = general_available(sec) >= q
    end
    if fit then fits[#fits + 1] = sec end
  end
  if #fits == 0 then return nil end
  order = fits
  local best, bestScore = nil, nil
  for _, sec in ipairs(order) do
    local L = layouts[sec]
    if L and L.k == 'r' then
      local seats, score = best_block(sec, L, q, fronts[sec])
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
      statesSeen[seat] = states[k]
      if states[k] then
        stale = true
        mark_occupancy(section_of(seat) .. ':' .. row_of(seat), number_of(seat), true)
      end
    end
    if not stale then return chosen end
    redis.log(redis.LOG_WARNING, 'inventory ' .. eventId .. ': a row occupancy string disagreed with its seats; corrected')
  end
end
