-- Stores the exchange rate a conversion was converted at when it was read after its missing rate
-- arrived (see ReportingConversionStore), so later reads use that rate whatever the table says.
-- The first rate stored wins; a conversion that is gone (expired, deleted) is not recreated.
-- KEYS[1] the conversion hash kc:{p}:v:<kcid>:<n>
-- ARGV[1] the fx fields (a serialized Conversion holding converted_value, fx_rate, fx_rate_date, fx_state)
-- -> 1 when stored, 0 when the conversion is gone or already has them
-- KEYS: conversion
-- ARGV: fx
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HSETNX', KEYS[1], 'fx', ARGV[1])
end
return 0
