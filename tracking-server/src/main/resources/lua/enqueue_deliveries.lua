-- Creates delivery jobs for dispatched outbox entries of one partition, idempotently: a job whose
-- delivery id exists is left as it is, so a redispatched entry (its worker died before XACK) adds
-- nothing. A new job keeps its attempts in its own hash (field ah, see finish_deliveries.lua).
-- A new job goes to its destination's queue kc:{p}:dq:<owner>/<destination id>, due at
-- once (its score is its creation time), and the index KEYS[1] gets the destination, due at its
-- earliest job. Within the destination's budget (ARGV[4], ARGV[5], as in claim_deliveries.lua) the
-- new job is claimed at once by the dispatching worker, until the lease end ARGV[3] ("0": none is
-- claimed): it saves the claim's round trip, and a worker that dies leaves it to the next one when
-- the lease expires, as with any claim.
-- KEYS[1] index kc:{p}:dq
-- ARGV[1] job hash prefix kc:{p}:dj:   ARGV[2] queue prefix kc:{p}:dq:   ARGV[3] lease end ms or "0"
-- ARGV[4] budget of a destination ARGV[5] does not list   ARGV[5] budgets "<owner>/<destination id>=<n>;..."
-- ARGV[6..] eleven values per job: delivery id, account, owner ("a:<id>" / "p:<id>"), destination
--           id, conversion id, kcid, goal, trigger number, status number, created ms, entry id
-- Returns {jobs created, {claimed delivery id, ...}}.
-- KEYS: index
-- ARGV: job_prefix, queue_prefix, lease_until_ms, default_budget, budgets, jobs...
local budgets = {}
for dest, n in string.gmatch(ARGV[5], '([^;=]+)=(%d+)') do
  budgets[dest] = tonumber(n)
end
local claiming = ARGV[3] ~= '0'
local created = 0
local claimed = {}
local earliest = {}
for i = 6, #ARGV, 11 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, unpack(new_job(i + 1)))
    local dest = ARGV[i + 2] .. '/' .. ARGV[i + 3]
    local score = ARGV[i + 9]
    local budget = budgets[dest] or tonumber(ARGV[4])
    if claiming and budget > 0 then
      budgets[dest] = budget - 1
      score = ARGV[3]
      claimed[#claimed + 1] = id
    end
    redis.call('ZADD', ARGV[2] .. dest, score, id)
    if not earliest[dest] or tonumber(score) < earliest[dest] then
      earliest[dest] = tonumber(score)
    end
    created = created + 1
  end
end
for dest, score in pairs(earliest) do
  redis.call('ZADD', KEYS[1], 'LT', score, dest)
end
return {created, claimed}
