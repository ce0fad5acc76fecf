-- The end of the inventory library: `dispatch`, what every call runs (registered by
-- inventory-script.ts). Loads nothing (COLD asks the caller to load), purges expired holds and
-- queues the hold warnings due, refuses selling operations off sale, then runs the operation
-- named by the first argument.
local selling = { hold = true, book_hold = true, book_best = true, extend = true, checkout = true }

local function dispatch(keys, argv)
  begin_call(keys, argv)
  -- The loader always writes the status: without one, nothing is loaded.
  status = redis.call('HGET', META, 'status')
  if not status then return cjson.encode({ ok = false, code = 'COLD' }) end
  purge_expired()
  warn_due()

  if selling[op] and status ~= 'on_sale' then
    return fail(status == 'cancelled' and 'EVENT_CANCELLED' or 'EVENT_NOT_ON_SALE')
  end

  local run = OPS[op]
  if not run then return cjson.encode({ ok = false, code = 'UNKNOWN_OPERATION' }) end
  return run()
end
