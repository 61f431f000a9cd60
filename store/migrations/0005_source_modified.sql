-- When each export last loaded was written (its file's modification time),
-- beside when it was loaded (recorded_at): an inventory export written
-- before the last applied run is refused, and this says how old the
-- loaded one is. NULL when the loader did not know.
ALTER TABLE sources ADD COLUMN modified TEXT;
