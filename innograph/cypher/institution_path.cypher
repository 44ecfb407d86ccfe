// name: institution_path
// purpose: A shortest path between two institutions through papers, authors, patents and
// purpose: keywords (any relationship, either direction), with the names along it.
// param: $from (str) - name of the first institution
// param: $to (str) - name of the second institution
// param: $max_hops (int) = 8 - longest path considered (Kùzu ignores it: bound fixed at 8)
// columns: hops, path
// @kuzu
MATCH p = (a:Institution)-[* SHORTEST 1..8]-(b:Institution)
WHERE a.name = $from AND b.name = $to
RETURN length(p) AS hops,
       list_transform(nodes(p), x -> coalesce(x.name, x.id, x.code)) AS path
LIMIT 1
// @neo4j
MATCH (a:Institution {name: $from}), (b:Institution {name: $to})
MATCH p = shortestPath((a)-[*..8]-(b))
WHERE length(p) <= $max_hops
RETURN length(p) AS hops, [x IN nodes(p) | coalesce(x.name, x.id, x.code)] AS path
LIMIT 1
