// name: top_keywords_per_year
// purpose: Keyword frequency per year and document kind (Paper / Patent), most frequent
// purpose: first within each year; keep the first rows of each year for a top-k.
// param: $min_docs (int) = 2 - keep keywords carried by at least this many documents
// columns: year, kind, keyword, docs
// A document may carry a keyword twice (input and KeyBERT edges): one row per (document,
// keyword) first, then count.
// @kuzu
MATCH (d)-[:HAS_KEYWORD]->(k:Keyword)
WHERE d.year IS NOT NULL
WITH DISTINCT d, k
WITH d.year AS year, label(d) AS kind, k.name AS keyword, count(*) AS docs
WHERE docs >= $min_docs
RETURN year, kind, keyword, docs
ORDER BY year, kind, docs DESC, keyword
// @neo4j
MATCH (d)-[:HAS_KEYWORD]->(k:Keyword)
WHERE d.year IS NOT NULL
WITH DISTINCT d, k
WITH d.year AS year, labels(d)[0] AS kind, k.name AS keyword, count(*) AS docs
WHERE docs >= $min_docs
RETURN year, kind, keyword, docs
ORDER BY year, kind, docs DESC, keyword
