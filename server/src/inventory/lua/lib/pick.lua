-- Choosing places: best available for a party, in reserved sections first, then general admission.

-- Best available in one reserved section: q adjacent seats in one row, nearest the front centre,
-- avoiding a lone empty seat beside the block where it can. Returns seat ids and a score.
-- Rows with fewer than q free seats (by their occupancy counter) are skipped unread.
local function best_block(sec, L, q)
  local best, bestScore = nil, nil
  for ri, row in ipairs(L.r) do
    if bestScore and (ri - 1) * 1000 > bestScore then break end
    local prefix, nums = sec .. '-' .. row[1] .. '-', row[2]
    local n = #nums
    local center = (n + 1) / 2
    local i = 1
    if n - num(sec .. ':row:' .. row[1]) < q then i = n + 1 end
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
    -- A full row (by its occupancy counter) has no candidate: skip it unread.
    if num(sec .. ':row:' .. row[1]) >= #nums then nums = {} end
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
  -- Sections that cannot fit q by their counters are never scanned; when none can, the answer
  -- (sold out) costs a few counter reads, not a read of every seat.
  local fits, layouts = {}, {}
  for _, sec in ipairs(order) do
    local L = layout_of(sec)
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
