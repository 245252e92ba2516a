-- The lead list's status follows the aggregate's: outcome, disqualified, assigned, routing,
-- scored, enriched, captured; routing and outcome are kept to derive it.
ALTER TABLE leads ADD COLUMN routing TEXT;
ALTER TABLE leads ADD COLUMN outcome TEXT;
