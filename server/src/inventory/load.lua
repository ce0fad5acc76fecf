-- Installs a fully staged inventory atomically, unless one is already live: of several servers
-- rebuilding the same event at once, the first to commit wins and the others' staging is dropped.
-- KEYS: the live keys (meta first), then the staging keys in the same order.
local n = #KEYS / 2
if redis.call('EXISTS', KEYS[1]) == 1 then
  for i = n + 1, #KEYS do redis.call('DEL', KEYS[i]) end
  return 0
end
for i = 1, n do
  redis.call('DEL', KEYS[i])
  if redis.call('EXISTS', KEYS[n + i]) == 1 then redis.call('RENAME', KEYS[n + i], KEYS[i]) end
end
return 1
