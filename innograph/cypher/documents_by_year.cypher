// name: documents_by_year
// purpose: Papers and patents per year, with how many carry the final AI label.
// columns: year, kind, docs, ai_docs
// The final AI label is coalesce(d.is_ai, d.ai_rule): the classifier's label, else the
// keywords+IPC rule (defined once in innograph/graph/schema.py, final_ai_expr).
// Kùzu 0.11.3: count(*) beside sum(CASE WHEN <bool property> …) after a filter miscounts
// (tests/test_kuzu_engine_bugs.py); so no filter and two stages: count per (year, kind,
// label), then sum those counts.
// @kuzu
MATCH (d:Paper:Patent)
WITH d.year AS year, label(d) AS kind, coalesce(d.is_ai, d.ai_rule) AS ai, count(*) AS n
RETURN year, kind, sum(n) AS docs, sum(CASE WHEN ai = true THEN n ELSE 0 END) AS ai_docs
ORDER BY year, kind
// @neo4j
MATCH (d)
WHERE d:Paper OR d:Patent
WITH d.year AS year, labels(d)[0] AS kind, coalesce(d.is_ai, d.ai_rule) AS ai, count(*) AS n
RETURN year, kind, sum(n) AS docs, sum(CASE WHEN ai = true THEN n ELSE 0 END) AS ai_docs
ORDER BY year, kind
