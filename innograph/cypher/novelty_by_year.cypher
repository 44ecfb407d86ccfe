// name: novelty_by_year
// purpose: Distribution of document novelty (-log lambda) per year and kind: count, mean,
// purpose: minimum and maximum over documents with a novelty value.
// columns: year, kind, docs, mean_novelty, min_novelty, max_novelty
// @kuzu
MATCH (d)
WHERE (label(d) = 'Paper' OR label(d) = 'Patent') AND d.novelty IS NOT NULL
RETURN d.year AS year, label(d) AS kind, count(*) AS docs, avg(d.novelty) AS mean_novelty,
       min(d.novelty) AS min_novelty, max(d.novelty) AS max_novelty
ORDER BY year, kind
// @neo4j
MATCH (d)
WHERE (d:Paper OR d:Patent) AND d.novelty IS NOT NULL
RETURN d.year AS year, labels(d)[0] AS kind, count(*) AS docs, avg(d.novelty) AS mean_novelty,
       min(d.novelty) AS min_novelty, max(d.novelty) AS max_novelty
ORDER BY year, kind
