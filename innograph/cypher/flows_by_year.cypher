// name: flows_by_year
// purpose: Knowledge flows paper -> SIMILAR_TO -> patent per paper year: number of flows,
// purpose: mean lag in years (patent application year - paper year) and mean cosine.
// param: $method (str) = any - SIMILAR_TO method to count (exact | index | input | any)
// param: $min_score (float) = -1.0 - only flows with cosine >= this
// columns: year, flows, mean_lag_years, mean_score
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE ($method = 'any' OR s.method = $method) AND s.score >= $min_score
RETURN p.year AS year, count(*) AS flows, avg(t.year - p.year) AS mean_lag_years,
       avg(s.score) AS mean_score
ORDER BY year
