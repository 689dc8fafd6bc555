-- Claims due delivery jobs of one partition, destination by destination. The index KEYS[1] holds
-- every destination with jobs in this partition, scored by its earliest due time; a destination's
-- own queue kc:{p}:dq:<owner>/<destination id> holds its jobs by due time. At most a destination's
-- budget (what this worker can take on for it now: its free permits and a little waiting room) is
-- claimed, so a slow receiver's backlog is never claimed only to be put back, and a poll costs
-- O(destinations due), not O(jobs). A claimed job is re-scored to the end of its lease: no other
-- worker takes it until the lease expires (then one does: at-least-once, same delivery id). A queue
-- member without a pending job (finished or expired meanwhile) is dropped.
-- KEYS[1] index kc:{p}:dq
-- ARGV[1] now ms   ARGV[2] lease end ms   ARGV[3] jobs in all, at most   ARGV[4] job prefix kc:{p}:dj:
-- ARGV[5] queue prefix kc:{p}:dq:   ARGV[6] budget of a destination ARGV[7] does not list
-- ARGV[7] budgets "<owner>/<destination id>=<n>;..."
-- Returns {{destination still due, ...}, {{delivery id, {field, value, ...}}, ...}}.
-- KEYS: index
-- ARGV: now_ms, lease_until_ms, limit, job_prefix, queue_prefix, default_budget, budgets
-- The job's fields a claim answers (not its attempts, which a job keeps in its hash too).
local JOB_FIELDS = {'a', 'o', 'd', 'c', 'k', 'g', 't', 's', 'ct', 'q', 'st', 'n', 'na', 'e'}
local STATE = 11
local budgets = {}
for dest, n in string.gmatch(ARGV[7], '([^;=]+)=(%d+)') do
  budgets[dest] = tonumber(n)
end
local now = tonumber(ARGV[1])
local left = tonumber(ARGV[3])
local claimed = {}
local left_due = {}
for _, dest in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1024)) do
  local budget = math.min(budgets[dest] or tonumber(ARGV[6]), left)
  if budget > 0 then
    local queue = ARGV[5] .. dest
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', queue, '-inf', ARGV[1], 'LIMIT', 0, budget)) do
      local values = redis.call('HMGET', ARGV[4] .. id, unpack(JOB_FIELDS))
      local state = values[STATE]
      if state == '1' then
        local fields = {}
        for i, name in ipairs(JOB_FIELDS) do
          if values[i] then
            fields[#fields + 1] = name
            fields[#fields + 1] = values[i]
          end
        end
        redis.call('ZADD', queue, ARGV[2], id)
        claimed[#claimed + 1] = {id, fields}
        left = left - 1
      else
        redis.call('ZREM', queue, id)
      end
    end
    local earliest = reindex(KEYS[1], queue, dest)
    if earliest and tonumber(earliest) <= now then
      left_due[#left_due + 1] = dest
    end
  else
    left_due[#left_due + 1] = dest
  end
end
return {left_due, claimed}
