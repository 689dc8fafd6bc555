-- Creates delivery jobs for dispatched outbox entries of one partition, idempotently: a job whose
-- delivery id exists is left as it is, so a redispatched entry (its worker died before XACK) adds
-- nothing. A new job is pending and due at once (its score is its creation time).
-- KEYS[1] pending jobs kc:{p}:dq
-- ARGV[1] job hash prefix kc:{p}:dj:
-- ARGV[2..] eleven values per job: delivery id, account, owner ("a:<id>" / "p:<id>"), destination
--           id, conversion id, kcid, goal, trigger number, status number, created ms, entry id
-- Returns the number of jobs created.
-- KEYS: queue
-- ARGV: job_prefix, jobs...
local created = 0
for i = 2, #ARGV, 11 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'a', ARGV[i + 1], 'o', ARGV[i + 2], 'd', ARGV[i + 3], 'c', ARGV[i + 4],
      'k', ARGV[i + 5], 'g', ARGV[i + 6], 't', ARGV[i + 7], 's', ARGV[i + 8], 'ct', ARGV[i + 9],
      'q', ARGV[i + 9], 'st', '1', 'n', '0', 'na', ARGV[i + 9], 'e', ARGV[i + 10])
    redis.call('ZADD', KEYS[1], ARGV[i + 9], id)
    created = created + 1
  end
end
return created
