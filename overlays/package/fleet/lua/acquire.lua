-- Acquire a request slot for a waiter (its ticket), or say how long to wait.
-- KEYS: slots queue qlease blocked seq pause app_day scope_minute scope_day info
-- ARGV: prefix concurrency slot_lease queue_lease app_per_day per_minute per_day poll ticket
--       followed ('1' or '0')
-- Answers {1, 0} when granted, else {0, ms to wait (-1: until a slot frees), what it waits for:
-- 'retry_after' (the pause), a budget's name or 'concurrency'}. When `followed`,
-- the client has sent a BLPOP on the waiter's box right behind the script, in the same round
-- trip, so the script leaves a word there whenever that BLPOP must not block: 'granted', or
-- 'retry' when the wait is shorter than a poll (the client then sleeps that long and asks
-- again). Otherwise the client reads the answer first and blocks only when it must.

local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[10]
local prefix, ticket = ARGV[1], ARGV[9]
local concurrency = tonumber(ARGV[2])
local box = prefix .. 'wake:' .. ticket
local now = now_ms()

local followed = ARGV[10] == '1'

local function answer(word, granted, wait, cause)
  redis.call('DEL', box)
  if word and followed then
    redis.call('LPUSH', box, word)
    redis.call('PEXPIRE', box, tonumber(ARGV[3]))
  end
  return {granted, wait, cause}
end

local function must_wait(wait, cause)
  if wait > 0 and wait < tonumber(ARGV[8]) then return answer('retry', 0, wait, cause) end
  return {0, wait, cause}
end

prune(slots, queue, qlease, blocked, info, now)
if redis.call('ZSCORE', slots, ticket) then  -- a release handed it a slot
  return answer('granted', 1, 0)
end
if not redis.call('ZSCORE', queue, ticket) then
  redis.call('ZADD', queue, redis.call('INCR', KEYS[5]), ticket)
  redis.call('HSET', info, ticket, table.concat(
    {KEYS[7], KEYS[8], KEYS[9], ARGV[5], ARGV[6], ARGV[7], ARGV[3]}, '\n'))
end
redis.call('ZADD', qlease, now + tonumber(ARGV[4]), ticket)
local pause = paused(KEYS[6], now)
if pause > 0 then return must_wait(pause, 'retry_after') end
local k = {KEYS[7], KEYS[8], KEYS[9]}
local l = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local wait, cause = budget_wait(k, l, now)
if wait > 0 then
  redis.call('ZADD', blocked, now + wait, ticket)
  return must_wait(wait, cause)
end
redis.call('ZREM', blocked, ticket)
if concurrency > 0 then
  local free = concurrency - redis.call('ZCARD', slots)
  if free <= 0 then return {0, -1, 'concurrency'} end
  local rank = redis.call('ZRANK', queue, ticket)
  if rank >= free then
    local eligible = 0
    for _, other in ipairs(redis.call('ZRANGE', queue, 0, rank - 1)) do
      local until_ = redis.call('ZSCORE', blocked, other)
      if not until_ or tonumber(until_) <= now then
        eligible = eligible + 1
        if eligible >= free then return {0, -1, 'concurrency'} end
      end
    end
  end
  redis.call('ZADD', slots, now + tonumber(ARGV[3]), ticket)
end
budget_spend(k, l, now)
leave_queue(queue, qlease, blocked, info, ticket)
return answer('granted', 1, 0)
