-- Why an import changed an assignment: the export row that said so, or
-- the problem with it (an inventory import that takes an assignment away
-- records it in the audit, like an apply, under a run of status
-- "imported"). Empty for applied plans, whose reason is the plan.
ALTER TABLE audit ADD COLUMN reason TEXT NOT NULL DEFAULT '';
