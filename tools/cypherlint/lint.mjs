// Lint Cypher statements with Neo4j's own front end (@neo4j-cypher/language-support).
// stdin: {"schema": {labels, relationshipTypes, propertyKeys}, "statements": [{"id", "query", "parameters": {name: sample}}]}
// stdout: [{"id", "diagnostics": [{"severity", "message", "line", "character"}]}]
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const out = input.statements.map((s) => {
  const schema = { ...input.schema, parameters: s.parameters || {} };
  const { diagnostics } = lintCypherQuery(s.query, schema);
  return {
    id: s.id,
    diagnostics: diagnostics.map((d) => ({
      severity: d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info',
      message: d.message,
      line: d.range?.start?.line,
      character: d.range?.start?.character,
    })),
  };
});
process.stdout.write(JSON.stringify(out));
