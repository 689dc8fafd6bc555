-- Records attempts of delivery jobs and moves each job on, atomically, for a batch of jobs of one
-- or more partitions (one call where a worker's attempts end close together; several partitions
-- only where they share one Redis, never on a Cluster): retry at a later time,
-- postpone without an attempt (paused destination, open circuit, no permit), or finish the job
-- (delivered, dead-lettered, cancelled), which drops it from its destination's queue and lets the
-- job and its attempts expire after the log retention. A job another worker finished meanwhile
-- (its lease expired and the job was sent twice) keeps its state; the attempt is recorded anyway.
-- The index entry of every destination touched moves to its queue's earliest job (or goes).
-- Attempt k of a job is its hash's field h<k>, the newest ARGV[1] kept: a job created by this
-- version has the field ah. A job an older server created keeps its attempts in a list of their
-- own (attempts prefix .. id) until it expires.
-- A job taken straight from its outbox entry (a first attempt its dispatching worker started
-- without storing it: docs/deliveries.md, "Send") is stored here, with its outcome, and its entry
-- is acknowledged and deleted in the same step; until then the entry, pending in the consumer
-- group, stands for the job (a worker that died leaves it to be taken over and dispatched again).
-- KEYS[2g - 1], KEYS[2g]: the g-th partition's index kc:{p}:dq and outbox kc:{p}:o
-- ARGV[1] attempts kept   ARGV[2] the outbox's consumer group
-- ARGV[3..] per partition, in the order of KEYS: job prefix kc:{p}:dj:, older jobs' attempts
--           prefix kc:{p}:da:, queue prefix kc:{p}:dq:, the number of its jobs; then sixteen
--           values per job: delivery id, destination "<owner>/<destination id>", outcome (R
--           retry, P postpone, 2 delivered, 3 dead-lettered, 4 cancelled), attempt (DeliveryAttempt
--           protobuf, "" = none), next attempt ms (retry, postpone), log retention ms; then, for a
--           job taken straight from its outbox entry, the ten values new_job reads (its entry id
--           last; ten "" for a stored job)
-- Returns each job's state number afterwards, in order (0 = no such job).
-- KEYS: partition_keys...
-- ARGV: attempts_kept, group, partitions...
local kept = tonumber(ARGV[1])
-- Adds field names and values to a list for one HSET; answers the list.
local function append(list, ...)
  for _, v in ipairs({...}) do
    list[#list + 1] = v
  end
  return list
end
local states = {}
local at = 3
for g = 1, #KEYS, 2 do
  local index, outbox = KEYS[g], KEYS[g + 1]
  local job_prefix, attempts_prefix, queue_prefix = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  local first = at + 4
  at = first + 16 * tonumber(ARGV[at + 3])
  local touched = {}
  local entries = {}
  for i = first, at - 1, 16 do
    local id, dest, outcome, attempt, next_ms, retention, entry =
      ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 15]
    local job = job_prefix .. id
    local attempts = attempts_prefix .. id
    local queue = queue_prefix .. dest
    local f = redis.call('HMGET', job, 'st', 'n', 'ah')
    local state = f[1]
    -- A job taken straight from its entry: its fields as enqueue_deliveries.lua stores them, set by
    -- the same HSET as its outcome (a later field of one HSET wins: st, n and na are set again).
    local create = {}
    if entry ~= '' then
      entries[#entries + 1] = entry
      if not state then
        create = new_job(i + 6)
        state = '1'
        f = {'1', '0', '1'}
      end
    end
    -- A job stored here and finished at once was never in its queue: the queue and the index stay.
    local queued = #create == 0 or outcome == 'P' or outcome == 'R'
    if queued then
      touched[dest] = true
    end
    if not state then
      redis.call('ZREM', queue, id)
      states[#states + 1] = 0
    else
      local n = tonumber(f[2]) or 0
      local in_hash = f[3] == '1'
      -- The job's own fields to set, with the attempt when it is kept in the hash: one HSET.
      local set = create
      if attempt ~= '' then
        n = n + 1
        if in_hash then
          append(set, 'h' .. n, attempt)
          if n > kept then
            redis.call('HDEL', job, 'h' .. (n - kept))
          end
        elseif redis.call('RPUSH', attempts, attempt) > kept then
          redis.call('LTRIM', attempts, -kept, -1)
        end
      end
      if state ~= '1' then
        if attempt ~= '' then
          redis.call('HSET', job, unpack(append(set, 'n', n)))
          if not in_hash then
            local ttl = redis.call('PTTL', job)
            if ttl > 0 then
              redis.call('PEXPIRE', attempts, ttl)
            end
          end
        end
        states[#states + 1] = tonumber(state)
      elseif outcome == 'P' then
        if #set > 0 then
          redis.call('HSET', job, unpack(append(set, 'n', n)))
        end
        if #create > 0 then
          redis.call('ZADD', queue, next_ms, id)
        else
          redis.call('ZADD', queue, 'XX', next_ms, id)
        end
        states[#states + 1] = 1
      elseif outcome == 'R' then
        redis.call('HSET', job, unpack(append(set, 'na', next_ms, 'n', n)))
        redis.call('ZADD', queue, next_ms, id)
        states[#states + 1] = 1
      else
        redis.call('HSET', job, unpack(append(set, 'st', outcome, 'na', '0', 'n', n)))
        if queued then
          redis.call('ZREM', queue, id)
        end
        redis.call('PEXPIRE', job, retention)
        if not in_hash then
          redis.call('PEXPIRE', attempts, retention)
        end
        states[#states + 1] = tonumber(outcome)
      end
    end
  end
  for dest in pairs(touched) do
    reindex(index, queue_prefix .. dest, dest)
  end
  if #entries > 0 then
    redis.call('XACK', outbox, ARGV[2], unpack(entries))
    redis.call('XDEL', outbox, unpack(entries))
  end
end
return states
