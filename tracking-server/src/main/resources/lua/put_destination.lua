-- Creates (mode "create": only when the id is free, with its first signing secret) or replaces
-- (mode "update": only when it exists) a destination of an account or a partner.
-- KEYS[1] kc:{a:<id>}:d or kc:{pt:<id>}:d   hash destination id -> Destination protobuf
-- KEYS[2] kc:{a:<id>}:ds or kc:{pt:<id>}:ds hash destination id -> signing secret (webhooks)
-- ARGV[1] destination id, ARGV[2] the record, ARGV[3] create | update, ARGV[4] secret ("" none)
-- Returns 1 when written, 0 when the id was taken (create) or missing (update).
-- KEYS: destinations, secrets
-- ARGV: destination_id, record, mode, secret
if ARGV[3] == 'create' then
  if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
    return 0
  end
  -- A secret left by an interrupted delete of the same id must not survive into the new one.
  redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. ':prev', ARGV[1] .. ':prev_exp')
  if ARGV[4] ~= '' then
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
  end
  return 1
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
