-- Changes one conversion cap of an account and audits it in one step: compare-and-set on the
-- cap's stored bytes (so two admins changing one cap at once never lose an audit entry's
-- "before"), then the audit entry, newest first and trimmed. Deleting drops the cap's counters.
--
-- KEYS[1] caps hash    kc:{a:<id>}:cp         cap id -> ConversionCap protobuf
-- KEYS[2] audit list   kc:{a:<id>}:capaudit   ConversionCapChange protobufs, newest first
-- KEYS[3] counters     kc:{a:<id>}:cc:<cap id>
-- ARGV[1] cap id   ARGV[2] expected current bytes ("" = none)   ARGV[3] new bytes ("" = delete)
-- ARGV[4] audit entry   ARGV[5] audit entries kept
--
-- Returns 'OK', or 'CONFLICT' when the cap changed since the caller read it.
-- KEYS: caps, audit, counters
-- ARGV: cap_id, expected, replacement, change, audit_length

local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then
  return 'CONFLICT'
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
return 'OK'
