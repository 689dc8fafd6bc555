-- Where conversion n of a click keeps its fields. A conversion is the fields '<n>.<name>' of its
-- click's state hash kc:{p}:x:<kcid> (p payload, s status, a and c its value, ct cap token, st and
-- sf its stats key and cell, dk and dc its dimension key and entries, x test, fx the rate it was
-- settled at): one key per converted click instead of one more per conversion. A conversion an
-- older server recorded is its own hash kc:{p}:v:<kcid>:<n> with the same names unprefixed; it is
-- read and changed in place until it expires. Every conversion has a status: s tells them apart.
local function conversion_at(state, legacy, n)
  local f = n .. '.'
  if redis.call('HEXISTS', state, f .. 's') == 1 then
    return {key = state, f = f}
  end
  return {key = legacy, f = ''}
end
