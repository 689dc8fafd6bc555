-- Stores the exchange rate a conversion was converted at when it was read after its missing rate
-- arrived (see ReportingConversionStore), so later reads use that rate whatever the table says.
-- The first rate stored wins; a conversion that is gone (expired, deleted) is not recreated.
-- lib_conversions.lua is prepended.
-- KEYS[1] the click state hash kc:{p}:x:<kcid>
-- KEYS[2] the conversion's own hash kc:{p}:v:<kcid>:<n>, where an older server recorded it
-- ARGV[1] the fx fields (a serialized Conversion holding converted_value, fx_rate, fx_rate_date, fx_state)
-- ARGV[2] the conversion's sequence number n
-- -> 1 when stored, 0 when the conversion is gone or already has them
-- KEYS: click_state, legacy_conversion
-- ARGV: fx, sequence
local c = conversion_at(KEYS[1], KEYS[2], ARGV[2])
if redis.call('HEXISTS', c.key, c.f .. 's') == 1 then
  return redis.call('HSETNX', c.key, c.f .. 'fx', ARGV[1])
end
return 0
