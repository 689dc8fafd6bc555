-- Reads one click (lib_clicks.lua is prepended).
-- KEYS[1] click group kc:{p}:k:<hour>
-- KEYS[2] a key of the slot that never exists (see insert_clicks.lua): during a slot migration the
--         read is redirected (TRYAGAIN) rather than answered "not found" from a half-moved slot
-- ARGV[1] click field (the kcid's random bytes)
-- Returns the click record, or nil.
-- KEYS: click_group, slot_guard
-- ARGV: click_field
return click_get(KEYS[1], ARGV[1])
