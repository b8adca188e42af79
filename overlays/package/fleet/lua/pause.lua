-- Pause the fleet (Retry-After) unless a longer pause holds, and tell every process.
-- KEYS: pause, the channel on which processes hear of pauses; ARGV: ms

local now = now_ms()
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 1000)
  -- pcall: a server whose ACL refuses the channel still keeps the pause (processes that
  -- cannot hear of it ask Redis before each hand-over)
  redis.pcall('PUBLISH', KEYS[2], ARGV[1])
end
return until_
