// name: shared_keywords
// purpose: Documents (papers and patents) sharing keywords with a given paper or patent,
// purpose: ranked by the number of shared keywords.
// param: $id (str) - id of the paper or patent
// param: $limit (int) = 20 - maximum rows
// columns: kind, id, title, year, shared, keywords
// A document may carry a keyword twice (input and KeyBERT edges): one row per (other
// document, keyword) first, then count.
// @kuzu
MATCH (d)-[:HAS_KEYWORD]->(k:Keyword)<-[:HAS_KEYWORD]-(o)
WHERE d.id = $id AND o.id <> $id
WITH DISTINCT o, k
RETURN label(o) AS kind, o.id AS id, o.title AS title, o.year AS year,
       count(*) AS shared, collect(k.name) AS keywords
ORDER BY shared DESC, id
LIMIT $limit
// @neo4j
MATCH (d)-[:HAS_KEYWORD]->(k:Keyword)<-[:HAS_KEYWORD]-(o)
WHERE d.id = $id AND o.id <> $id
WITH DISTINCT o, k
RETURN labels(o)[0] AS kind, o.id AS id, o.title AS title, o.year AS year,
       count(*) AS shared, collect(k.name) AS keywords
ORDER BY shared DESC, id
LIMIT $limit
