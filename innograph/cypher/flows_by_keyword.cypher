// name: flows_by_keyword
// purpose: Keywords shared by the two ends of knowledge flows (paper and its matched
// purpose: patent), ranked by the number of flows they carry.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// param: $limit (int) = 50 - maximum rows
// columns: keyword, flows, mean_lag_years
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent),
      (p)-[:HAS_KEYWORD]->(k:Keyword)<-[:HAS_KEYWORD]-(t)
WHERE $method = 'any' OR s.method = $method
RETURN k.name AS keyword, count(*) AS flows, avg(t.year - p.year) AS mean_lag_years
ORDER BY flows DESC, keyword
LIMIT $limit
