// name: flows_by_keyword
// purpose: Keywords shared by the two ends of knowledge flows (paper and its matched
// purpose: patent), ranked by the number of flows they carry.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// param: $limit (int) = 50 - maximum rows
// columns: keyword, flows, mean_lag_years
// A document may carry a keyword twice (input and KeyBERT edges): first one row per
// (keyword, flow), a flow being (paper, patent, method), then count.
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent),
      (p)-[:HAS_KEYWORD]->(k:Keyword)<-[:HAS_KEYWORD]-(t)
WHERE $method = 'any' OR s.method = $method
WITH k, p, t, s.method AS method, min(t.year - p.year) AS lag
RETURN k.name AS keyword, count(*) AS flows, avg(lag) AS mean_lag_years
ORDER BY flows DESC, keyword
LIMIT $limit
