// name: flows_by_institution
// purpose: Institutions whose papers have a best-matching later patent: flows, distinct
// purpose: patents reached and mean lag.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// param: $limit (int) = 50 - maximum rows
// columns: institution, flows, patents, mean_lag_years
// Kùzu 0.11.3 returns NULL for avg(…) beside count(DISTINCT …)
// (tests/test_kuzu_engine_bugs.py):
// so two stages and no DISTINCT: flows and lag sums per (institution, patent), then one row
// per patent reached.
MATCH (i:Institution)<-[:AFFILIATED_WITH]-(p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE $method = 'any' OR s.method = $method
WITH i, t, count(*) AS n, sum(t.year - p.year) AS lag_sum, count(t.year - p.year) AS lag_n
WITH i, sum(n) AS flows, sum(1) AS patents, sum(lag_sum) AS lag_sum, sum(lag_n) AS lag_n
RETURN i.name AS institution, flows, patents,
       CASE WHEN lag_n > 0 THEN 1.0 * lag_sum / lag_n ELSE NULL END AS mean_lag_years
ORDER BY flows DESC, institution
LIMIT $limit
