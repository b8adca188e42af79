-- The functions every script of RedisLimits starts with (loaded in front of each script's own
-- text): the server's clock, the queue, the sliding-window budgets, the pause and the hand-over
-- of free slots to the first eligible waiters.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function leave_queue(queue, qlease, blocked, info, ticket)
  redis.call('ZREM', queue, ticket)
  redis.call('ZREM', qlease, ticket)
  redis.call('ZREM', blocked, ticket)
  redis.call('HDEL', info, ticket)
end

local function prune(slots, queue, qlease, blocked, info, now)
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', qlease, '-inf', now)) do
    leave_queue(queue, qlease, blocked, info, ticket)
  end
end

-- Milliseconds until one more request fits the window (0: now).
local function window_wait(key, window, limit, now)
  if limit <= 0 then return 0 end
  local bucket = math.floor(window / 60)
  local flat = redis.call('HGETALL', key)
  local live, total = {}, 0
  for i = 1, #flat, 2 do
    local start, n = tonumber(flat[i]), tonumber(flat[i + 1])
    if start + bucket + window <= now then
      redis.call('HDEL', key, flat[i])
    else
      live[#live + 1] = {start, n}
      total = total + n
    end
  end
  if total < limit then return 0 end
  table.sort(live, function(a, b) return a[1] < b[1] end)
  local over = total - limit + 1
  for _, entry in ipairs(live) do
    over = over - entry[2]
    if over <= 0 then return entry[1] + bucket + window - now end
  end
  return window
end

local function window_spend(key, window, limit, now)
  if limit <= 0 then return end
  local bucket = math.floor(window / 60)
  redis.call('HINCRBY', key, now - (now % bucket), 1)
  redis.call('PEXPIRE', key, window + 2 * bucket)
end

local function paused(pause, now)
  local until_ = tonumber(redis.call('GET', pause) or '0')
  if until_ > now then return until_ - now end
  return 0
end

local DAY, MINUTE = 86400000, 60000

-- Budgets of a request: keys app_day, scope_minute, scope_day and their limits. Answers the
-- milliseconds until all allow one more request, and the name of the one that holds longest.
local BUDGETS = {{'app_per_day', DAY}, {'per_minute', MINUTE}, {'per_day', DAY}}
local function budget_wait(k, l, now)
  local wait, cause = 0, 'concurrency'
  for i, budget in ipairs(BUDGETS) do
    local w = window_wait(k[i], budget[2], l[i], now)
    if w > wait then wait, cause = w, budget[1] end
  end
  return wait, cause
end

local function budget_spend(k, l, now)
  window_spend(k[1], DAY, l[1], now)
  window_spend(k[2], MINUTE, l[2], now)
  window_spend(k[3], DAY, l[3], now)
end

-- Hand free slots straight to the first waiters whose budgets allow, and tell them (a waiter
-- blocks on its box), so a slot changes hands in one round trip.
local function hand_over(prefix, slots, queue, qlease, blocked, info, pause, concurrency, now)
  if concurrency <= 0 or paused(pause, now) > 0 then return end
  local free = concurrency - redis.call('ZCARD', slots)
  if free <= 0 then return end
  local candidates = redis.call('ZRANGE', queue, 0, free + redis.call('ZCARD', blocked) - 1)
  for _, ticket in ipairs(candidates) do
    local until_ = redis.call('ZSCORE', blocked, ticket)
    local raw = redis.call('HGET', info, ticket)
    if raw and (not until_ or tonumber(until_) <= now) then
      local f = {}
      for part in string.gmatch(raw, '[^\n]+') do f[#f + 1] = part end
      local k, l = {f[1], f[2], f[3]}, {tonumber(f[4]), tonumber(f[5]), tonumber(f[6])}
      local wait = budget_wait(k, l, now)
      if wait > 0 then
        redis.call('ZADD', blocked, now + wait, ticket)
      else
        redis.call('ZADD', slots, now + tonumber(f[7]), ticket)
        budget_spend(k, l, now)
        leave_queue(queue, qlease, blocked, info, ticket)
        local box = prefix .. 'wake:' .. ticket
        redis.call('LPUSH', box, 'granted')
        redis.call('PEXPIRE', box, tonumber(f[7]))
        free = free - 1
        if free <= 0 then return end
      end
    end
  end
end
