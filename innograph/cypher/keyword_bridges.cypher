// name: keyword_bridges
// purpose: Keyword bridges between the paper and the patent communities: keywords carried
// purpose: by both papers and patents, ranked by min(papers, patents) (how strongly the
// purpose: keyword joins the two sides), with the first year on each side.
// param: $min_each (int) = 1 - keep keywords on at least this many papers and patents
// param: $limit (int) = 50 - maximum rows
// columns: keyword, papers, patents, bridge, first_paper_year, first_patent_year
// Kùzu 0.11.3 returns NULL for min(…) beside count(DISTINCT …)
// (tests/test_kuzu_engine_bugs.py):
// so each side in two stages and no DISTINCT: one row per (keyword, document) (a document
// may carry a keyword twice, from the input and from KeyBERT), then count and min.
MATCH (p:Paper)-[:HAS_KEYWORD]->(k:Keyword)
WITH k, p, min(p.year) AS year
WITH k, count(*) AS papers, min(year) AS first_paper_year
MATCH (t:Patent)-[:HAS_KEYWORD]->(k)
WITH k, papers, first_paper_year, t, min(t.year) AS year
WITH k, papers, first_paper_year, count(*) AS patents, min(year) AS first_patent_year
WHERE papers >= $min_each AND patents >= $min_each
RETURN k.name AS keyword, papers, patents,
       CASE WHEN papers < patents THEN papers ELSE patents END AS bridge,
       first_paper_year, first_patent_year
ORDER BY bridge DESC, keyword
LIMIT $limit
