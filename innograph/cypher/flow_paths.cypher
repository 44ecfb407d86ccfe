// name: flow_paths
// purpose: Every paper -> SIMILAR_TO -> patent flow with its lag in years, filtered by
// purpose: paper year range, a country or institution of the paper's authors, a keyword
// purpose: shared by both ends, and the final AI label of the paper, coalesce(is_ai, ai_rule)
// purpose: ('' = no filter).
// param: $year_from (int) = 0 - first paper year
// param: $year_to (int) = 9999 - last paper year
// param: $country (str) = '' - ISO code of a paper institution's country ('' = any)
// param: $institution (str) = '' - institution name ('' = any)
// param: $keyword (str) = '' - normalised keyword both documents carry ('' = any)
// param: $ai (str) = '' - 'true' / 'false' to keep only AI / non-AI papers ('' = any)
// param: $limit (int) = 1000 - maximum rows
// columns: paper, paper_year, patent, patent_year, lag_years, score, method
// The final AI label is defined once in innograph/graph/schema.py (final_ai_expr).
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE p.year >= $year_from AND p.year <= $year_to
  AND ($ai = '' OR coalesce(p.is_ai, p.ai_rule) = ($ai = 'true'))
  AND ($country = '' OR EXISTS {
        MATCH (p)-[:AFFILIATED_WITH]->(:Institution)-[:LOCATED_IN]->(c:Country)
        WHERE c.code = $country })
  AND ($institution = '' OR EXISTS {
        MATCH (p)-[:AFFILIATED_WITH]->(i:Institution) WHERE i.name = $institution })
  AND ($keyword = '' OR EXISTS {
        MATCH (p)-[:HAS_KEYWORD]->(k:Keyword)<-[:HAS_KEYWORD]-(t) WHERE k.name = $keyword })
RETURN p.id AS paper, p.year AS paper_year, t.id AS patent, t.year AS patent_year,
       t.year - p.year AS lag_years, s.score AS score, s.method AS method
ORDER BY score DESC, paper, patent
LIMIT $limit
