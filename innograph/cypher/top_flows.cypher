// name: top_flows
// purpose: The strongest paper -> patent flows (highest cosine), with titles and lag.
// param: $k (int) = 20 - number of flows
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// columns: paper, paper_title, paper_year, patent, patent_title, patent_year, lag_years, score
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE $method = 'any' OR s.method = $method
RETURN p.id AS paper, p.title AS paper_title, p.year AS paper_year, t.id AS patent,
       t.title AS patent_title, t.year AS patent_year, t.year - p.year AS lag_years,
       s.score AS score
ORDER BY score DESC, paper
LIMIT $k
