-- Release a slot, or abandon a waiter's ticket, and hand free slots to the first waiters.
-- KEYS: slots queue qlease blocked pause info
-- ARGV: prefix slot ticket-to-abandon concurrency ('' for none of slot or ticket)

local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
local now = now_ms()
if ARGV[2] ~= '' then redis.call('ZREM', slots, ARGV[2]) end
if ARGV[3] ~= '' then
  redis.call('ZREM', slots, ARGV[3])  -- it may have been handed one while it gave up
  leave_queue(queue, qlease, blocked, info, ARGV[3])
  redis.call('DEL', ARGV[1] .. 'wake:' .. ARGV[3])
end
prune(slots, queue, qlease, blocked, info, now)
hand_over(ARGV[1], slots, queue, qlease, blocked, info, KEYS[5], tonumber(ARGV[4]), now)
return 1
