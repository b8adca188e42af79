-- Renew the leases of the slots a process holds; answers how many were still counted.
-- KEYS: slots; ARGV: lease (ms), slot...

local now, renewed = now_ms(), 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
