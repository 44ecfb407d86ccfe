// name: flows_by_ai_label
// purpose: Knowledge flows by the final AI label of the paper and of the patent
// purpose: (coalesce(is_ai, ai_rule): the classifier's label, else the keywords+IPC rule);
// purpose: documents with neither count as null.
// param: $method (str) = any - SIMILAR_TO method (exact | index | input | any)
// columns: paper_is_ai, patent_is_ai, flows, mean_score
// The final AI label is defined once in innograph/graph/schema.py (final_ai_expr).
MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent)
WHERE $method = 'any' OR s.method = $method
RETURN coalesce(p.is_ai, p.ai_rule) AS paper_is_ai, coalesce(t.is_ai, t.ai_rule) AS patent_is_ai,
       count(*) AS flows, avg(s.score) AS mean_score
ORDER BY flows DESC, paper_is_ai, patent_is_ai
