// name: flows_by_country
// purpose: Knowledge flows counted from the country of the paper's institutions to the
// purpose: country of the patent's applicants (a flow with several countries counts once
// purpose: per country pair).
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// columns: paper_country, patent_country, flows, mean_lag_years
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent),
      (p)-[:AFFILIATED_WITH]->(:Institution)-[:LOCATED_IN]->(pc:Country),
      (t)<-[:APPLIED_FOR]-(:Applicant)-[:LOCATED_IN]->(tc:Country)
WHERE $method = 'any' OR s.method = $method
WITH DISTINCT p, t, pc, tc
RETURN pc.code AS paper_country, tc.code AS patent_country, count(*) AS flows,
       avg(t.year - p.year) AS mean_lag_years
ORDER BY flows DESC, paper_country, patent_country
