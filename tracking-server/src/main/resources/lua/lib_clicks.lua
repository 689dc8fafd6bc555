-- Click storage, prepended to every script that reads or writes a click.
--
-- A click is one field of a small hash, not a key of its own: a key costs ~100 bytes of Redis
-- overhead (dict entry, key string, object, expiry entry) before any data, a field of a
-- listpack-encoded hash a few bytes. Clicks are grouped by partition and the hour of their issue
-- time (both carried by the kcid), and each group is a linear hash table (Litwin 1980) that splits
-- one bucket at a time as it fills, so every bucket stays small enough to remain a listpack
-- whatever the click rate, and a lookup never needs anything but the kcid:
--
--   kc:{p}:k:<hour>      group header, a hash: l (level), s (next bucket to split), n (clicks
--                        stored), e (unix ms at which the whole group expires), k (contexts
--                        interned), x (1: no more interning), c<ref> (an interned context)
--   kc:{p}:k:<hour>:<b>  bucket b: field = the kcid's 8 random bytes, value = the click record
--
-- Bucket of a click: h mod 2^l, or h mod 2^(l+1) when that bucket has already been split, where h
-- is the first 32 bits of the kcid's random part (uniform: SecureRandom).
--
-- A click's context — "<account>\0<campaign>\0<Click protobuf: creative, placement, landing page>"
-- — is what the ad server configured and repeats across clicks; its sub ids vary. A record is
--   "<lifetime s>\1<8-byte context ref><sub ids protobuf>"   context interned in the header, or
--   "<lifetime s>\0<context><sub ids protobuf>"               inline (its own context)
-- (two protobuf encodings one after the other decode as one merged message). The per-click part
-- also carries the click's fraud marks when it has them: its flag (Click field 11, 2 bytes, only on
-- a flagged click; read by record_conversion.lua) and its network digest (field 12, 5 bytes, only
-- while its account's velocity rule is on). Once a group has 64
-- contexts and more than half of its clicks brought a new one (unique landing pages, say), where
-- an interned copy only adds the reference's cost, it interns no more for good (x = 1); it keeps
-- referencing those it has.
-- A click's own expiry is its issue time + lifetime, checked on every read; its memory is freed
-- with its group, which expires at the end of the hour plus the longest lifetime in it.

local function click_hash(field)
  local b1, b2, b3, b4 = string.byte(field, 1, 4)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end

-- The bucket key holding (or to hold) the field at the group's level and split pointer.
local function click_bucket_at(group, field, level, split)
  local h = click_hash(field)
  local size = 2 ^ level
  local b = h % size
  if b < split then
    b = h % (size * 2)
  end
  return group .. ':' .. string.format('%d', b)
end

-- The bucket key holding (or to hold) the click, and the group's level, split pointer and expiry.
local function click_bucket(group, field)
  local header = redis.call('HMGET', group, 'l', 's', 'e', 'k', 'n', 'x')
  local level = tonumber(header[1]) or 0
  local split = tonumber(header[2]) or 0
  return click_bucket_at(group, field, level, split), level, split, tonumber(header[3]) or 0,
      tonumber(header[4]) or 0, tonumber(header[5]) or 0, header[6] == '1'
end

-- A record in its inline form "<lifetime s>\0<context><sub ids protobuf>", resolving an interned
-- context; nil for a record whose context is missing (never written that way: a bug).
local function click_resolve(group, record)
  local marker = string.find(record, '[%z\1]')
  if not marker then
    return nil
  end
  if string.byte(record, marker) == 0 then
    return record
  end
  local context = redis.call('HGET', group, 'c' .. string.sub(record, marker + 1, marker + 8))
  if not context then
    return nil
  end
  return string.sub(record, 1, marker - 1) .. '\0' .. context .. string.sub(record, marker + 9)
end

-- The stored record of a click in its inline form, or nil.
local function click_get(group, field)
  local bucket = click_bucket(group, field)
  local record = redis.call('HGET', bucket, field)
  return record and click_resolve(group, record)
end

-- Splits the group's next bucket: the clicks whose hash picks the new bucket move there.
local function click_split(group, level, split, expire_at)
  local size = 2 ^ level
  local from = group .. ':' .. string.format('%d', split)
  local to = group .. ':' .. string.format('%d', split + size)
  local entries = redis.call('HGETALL', from)
  local moved, fields = {}, {}
  for i = 1, #entries, 2 do
    if click_hash(entries[i]) % (size * 2) ~= split then
      moved[#moved + 1] = entries[i]
      moved[#moved + 1] = entries[i + 1]
      fields[#fields + 1] = entries[i]
    end
  end
  if #fields > 0 then
    redis.call('HSET', to, unpack(moved))
    redis.call('HDEL', from, unpack(fields))
    redis.call('PEXPIREAT', to, expire_at)
  end
  split = split + 1
  if split == size then
    level, split = level + 1, 0
  end
  redis.call('HSET', group, 'l', level, 's', split)
  return level, split
end

-- Inserting into a group reads its header once per script, however many clicks it stores there:
-- click_open reads it, click_insert stores one click (keeping the header's state in the table),
-- click_close writes what the inserts changed (the click count, the buckets' expiry).
local function click_open(group)
  local header = redis.call('HMGET', group, 'l', 's', 'e', 'k', 'n', 'x')
  return {group = group, level = tonumber(header[1]) or 0, split = tonumber(header[2]) or 0,
    current = tonumber(header[3]) or 0, interned = tonumber(header[4]) or 0,
    n = tonumber(header[5]) or 0, stopped = header[6] == '1', added = 0, touched = {}, contexts = {}}
end

-- Stores a click unless its field is taken; returns nil when stored, else the stored record (inline
-- form). context, ref, sub_ids: see the top; ref = 8 bytes of the context's digest.
-- expire_at: when the group may go (end of the hour + the click's lifetime), unix ms.
-- capacity: average clicks per bucket before the next split (a bucket not yet split holds up to
-- twice that), chosen so buckets stay under the listpack limit (hash-max-listpack-entries).
local function click_insert(g, field, lifetime, context, ref, sub_ids, expire_at, capacity)
  local group = g.group
  local bucket = click_bucket_at(group, field, g.level, g.split)
  local record
  local known = g.contexts[ref]
  if known == nil then
    known = redis.call('HGET', group, 'c' .. ref)
    g.contexts[ref] = known
  end
  if known == context then
    record = lifetime .. '\1' .. ref .. sub_ids
  elseif not known and not g.stopped and (g.interned < 64 or g.interned * 2 <= g.n + g.added) then
    redis.call('HSET', group, 'c' .. ref, context)
    redis.call('HINCRBY', group, 'k', 1)
    g.interned = g.interned + 1
    g.contexts[ref] = context
    record = lifetime .. '\1' .. ref .. sub_ids
  else
    if not known and not g.stopped then
      redis.call('HSET', group, 'x', '1') -- for good: this hour's contexts are mostly unique
      g.stopped = true
    end
    -- A digest collision (another context holds the ref) or a group of mostly unique contexts.
    record = lifetime .. '\0' .. context .. sub_ids
  end
  -- Checked last, so that a new click costs one pass over its bucket, not two; a taken kcid (a
  -- replay or a collision, both rare) may have interned its context meanwhile, which is harmless.
  if redis.call('HSETNX', bucket, field, record) == 0 then
    return click_resolve(group, redis.call('HGET', bucket, field))
  end
  g.added = g.added + 1
  if expire_at > g.current then
    -- Rare: once per group, and again only when a click with a longer lifetime joins it.
    redis.call('HSET', group, 'e', expire_at)
    redis.call('PEXPIREAT', group, expire_at)
    for i = 0, 2 ^ g.level + g.split - 1 do
      redis.call('PEXPIREAT', group .. ':' .. string.format('%d', i), expire_at)
    end
    g.current = expire_at
  elseif not g.touched[bucket] then
    g.touched[bucket] = true
    g.touched[#g.touched + 1] = bucket
  end
  if g.n + g.added > capacity * (2 ^ g.level + g.split) then
    g.level, g.split = click_split(group, g.level, g.split, g.current)
  end
  return nil
end

-- Writes what the inserts into g changed: its click count, and the expiry of the buckets they
-- wrote to (a bucket a split created has its own already).
local function click_close(g)
  if g.added > 0 then
    redis.call('HINCRBY', g.group, 'n', g.added)
  end
  for _, bucket in ipairs(g.touched) do
    redis.call('PEXPIREAT', bucket, g.current)
  end
end

-- Removes a click; returns its record, or nil when it was not stored.
local function click_delete(group, field)
  local bucket = click_bucket(group, field)
  local record = redis.call('HGET', bucket, field)
  if record then
    redis.call('HDEL', bucket, field)
    redis.call('HINCRBY', group, 'n', -1)
    return click_resolve(group, record)
  end
  return nil
end

-- The parts of a record in inline form: owner, campaign, lifetime in seconds, offset of the
-- protobuf rest (context fields and sub ids); nil when malformed.
local function click_parse(record)
  local sep1 = string.find(record, '\0', 1, true)
  local sep2 = sep1 and string.find(record, '\0', sep1 + 1, true)
  local sep3 = sep2 and string.find(record, '\0', sep2 + 1, true)
  if not sep3 then
    return nil
  end
  return string.sub(record, sep1 + 1, sep2 - 1), string.sub(record, sep2 + 1, sep3 - 1),
      tonumber(string.sub(record, 1, sep1 - 1)), sep3 + 1
end
