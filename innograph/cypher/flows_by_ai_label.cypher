// name: flows_by_ai_label
// purpose: Knowledge flows by the AI label (is_ai) of the paper and of the patent;
// purpose: documents not yet classified count as null.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// columns: paper_is_ai, patent_is_ai, flows, mean_score
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE $method = 'any' OR s.method = $method
RETURN p.is_ai AS paper_is_ai, t.is_ai AS patent_is_ai, count(*) AS flows,
       avg(s.score) AS mean_score
ORDER BY flows DESC
