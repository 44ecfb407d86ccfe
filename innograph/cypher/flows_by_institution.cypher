// name: flows_by_institution
// purpose: Institutions whose papers have a best-matching later patent: flows, distinct
// purpose: patents reached and mean lag.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// param: $limit (int) = 50 - maximum rows
// columns: institution, flows, patents, mean_lag_years
MATCH (i:Institution)<-[:AFFILIATED_WITH]-(p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE $method = 'any' OR s.method = $method
RETURN i.name AS institution, count(*) AS flows, count(DISTINCT t) AS patents,
       avg(t.year - p.year) AS mean_lag_years
ORDER BY flows DESC, institution
LIMIT $limit
