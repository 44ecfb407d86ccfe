// name: novelty_by_country
// purpose: Mean novelty per country: papers through their institutions' countries,
// purpose: patents through their applicants' countries.
// columns: country, kind, docs, mean_novelty, max_novelty
MATCH (p:Paper)-[:AFFILIATED_WITH]->(:Institution)-[:LOCATED_IN]->(c:Country)
WHERE p.novelty IS NOT NULL
WITH DISTINCT c, p
RETURN c.code AS country, 'Paper' AS kind, count(p) AS docs, avg(p.novelty) AS mean_novelty,
       max(p.novelty) AS max_novelty
ORDER BY mean_novelty DESC, country
UNION ALL
MATCH (t:Patent)<-[:APPLIED_FOR]-(:Applicant)-[:LOCATED_IN]->(c:Country)
WHERE t.novelty IS NOT NULL
WITH DISTINCT c, t
RETURN c.code AS country, 'Patent' AS kind, count(t) AS docs, avg(t.novelty) AS mean_novelty,
       max(t.novelty) AS max_novelty
ORDER BY mean_novelty DESC, country
