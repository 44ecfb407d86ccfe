// name: documents_by_year
// purpose: Papers and patents per year, with how many are labelled AI.
// columns: year, kind, docs, ai_docs
// @kuzu
MATCH (d)
WHERE label(d) = 'Paper' OR label(d) = 'Patent'
RETURN d.year AS year, label(d) AS kind, count(*) AS docs,
       sum(CASE WHEN d.is_ai THEN 1 ELSE 0 END) AS ai_docs
ORDER BY year, kind
// @neo4j
MATCH (d)
WHERE d:Paper OR d:Patent
RETURN d.year AS year, labels(d)[0] AS kind, count(*) AS docs,
       sum(CASE WHEN d.is_ai THEN 1 ELSE 0 END) AS ai_docs
ORDER BY year, kind
