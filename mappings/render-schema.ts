/** Prints the project file's JSON Schema: `npx tsx mappings/render-schema.ts > examples/project.schema.json`. */
import { projectJsonSchema } from './project';

process.stdout.write(`${JSON.stringify(projectJsonSchema(), null, 2)}\n`);
