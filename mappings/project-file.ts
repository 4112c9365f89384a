/**
 * Loads a project file (YAML or JSON). The only module of mappings/ that touches the file system, so workflow
 * code never imports it.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { parseProject, ProjectConfigError, type Project } from './project';

export { ProjectConfigError, projectJsonSchema, resolveTasks, type Project } from './project';

function readProjectFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProjectConfigError([`${file}: cannot read the project file (${(error as Error).message})`]);
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ProjectConfigError([`${file}: not valid JSON (${(error as Error).message})`]);
    }
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const lines = text.split(/\r?\n/);
    throw new ProjectConfigError(
      document.errors.map((error) => {
        const line = error.linePos?.[0];
        // The parser's first line repeats the position ("… at line 2, column 1:") before a snippet; the position is
        // said once, in front, and the offending line is quoted instead of the snippet.
        const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        const source = line ? lines[line.line - 1]?.trim() : undefined;
        return `${file}${line ? `:${line.line}:${line.col}` : ''}: ${reason}${source ? ` (\`${source}\`)` : ''}`;
      }),
    );
  }
  return document.toJS();
}

/**
 * Reads and validates a project: a path to a .yaml/.yml/.json file, or an already parsed object. Throws
 * ProjectConfigError whose message lists every problem as `path: reason`.
 */
export function loadProject(fileOrObject: string | Record<string, unknown>): Project {
  const input = typeof fileOrObject === 'string' ? readProjectFile(fileOrObject) : fileOrObject;
  return parseProject(input);
}
