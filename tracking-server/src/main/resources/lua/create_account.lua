-- Creates an account with its secrets and first goal, all under the account's hash tag.
-- KEYS[1] kc:{a:<id>}    KEYS[2] kc:{a:<id>}:s    KEYS[3] kc:{a:<id>}:g
-- ARGV[1] Account protobuf  ARGV[2] click secret  ARGV[3] sha256(postback token) hex
-- ARGV[4] first goal key    ARGV[5] Goal protobuf ARGV[6] postback signing secret
-- Returns 1 when created, 0 when the id is taken.
-- KEYS: account, secrets, goals
-- ARGV: account_pb, click_secret, token_sha256, goal_key, goal_pb, signing_secret
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then
  return 0
end
redis.call('HSET', KEYS[2], 'click_secret', ARGV[2], 'token_sha256', ARGV[3], 'signing_secret', ARGV[6])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
return 1
