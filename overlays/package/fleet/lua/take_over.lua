-- A slot freed in one process and handed straight to another of its waiting threads: the new
-- holder checks the pause and its budgets, spends them and renews the slot's lease, in fewer
-- commands than a release and an acquire. When it may not start (paused, out of budget, or the
-- slot's lease ran out), the slot goes back to the fleet's queue and the thread asks as usual.
-- KEYS: the acquire script's; ARGV: its first eight, then the slot. Answers 1 (go) or 0.

local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[10]
local slot = ARGV[9]
local now = now_ms()
if tonumber(redis.call('ZSCORE', slots, slot) or '0') > now then
  local k = {KEYS[7], KEYS[8], KEYS[9]}
  local l = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
  if paused(KEYS[6], now) == 0 and budget_wait(k, l, now) == 0 then
    redis.call('ZADD', slots, now + tonumber(ARGV[3]), slot)
    budget_spend(k, l, now)
    return 1
  end
end
redis.call('ZREM', slots, slot)
prune(slots, queue, qlease, blocked, info, now)
hand_over(ARGV[1], slots, queue, qlease, blocked, info, KEYS[6], tonumber(ARGV[2]), now)
return 0
