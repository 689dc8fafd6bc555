-- Reads clicks of one partition in one call: the reads that reached the server while the
-- partition's previous read was in flight (RedisClickStore), so a busy server pays Redis' per-call
-- cost once per batch rather than once per click. lib_clicks.lua is prepended.
-- KEYS[1] a key of the slot that never exists (see insert_clicks.lua): during a slot migration the
--         read is redirected (TRYAGAIN) rather than answered "not found" from a half-moved slot
-- KEYS[2..] the click groups kc:{p}:k:<hour> the clicks are in (same partition slot)
-- ARGV[1..] two values per click: its group's index in KEYS, click field (the kcid's random bytes)
-- Returns one entry per click, in order: its record (inline form), or nil when there is none
-- (click_get answers false, which Redis answers as nil).
-- KEYS: slot_guard, groups...
-- ARGV: clicks...
local found = {}
for i = 1, #ARGV, 2 do
  found[#found + 1] = click_get(KEYS[tonumber(ARGV[i])], ARGV[i + 1])
end
return found
