import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { WHOLE_FILE, type FieldProblem } from './schema/problems';
import type { ConfigProblem } from './types';

/**
 * Reading configuration directories and YAML files (DESIGN.md §4).
 */

/** Allowed file stems, i.e. provider ids and client_ids. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The field name used for problems about a directory. */
export const WHOLE_DIRECTORY = '(directory)';

/** One candidate configuration file found in a directory. */
export interface ConfigFile {
  /** File stem, e.g. `acme` for acme.yaml. */
  id: string;
  /** Absolute path. */
  path: string;
  /** Path as shown in problems: relative to cwd when inside it, else absolute. */
  display: string;
}

/** Path for problem messages: relative to `cwd` when inside it (`.` for cwd itself), otherwise absolute. */
export function displayPath(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  if (rel === '') return '.';
  return rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel) ? abs : rel;
}

/**
 * Lists `*.yaml` and `*.yml` files directly in `dir` (non-recursive; files and symlinks to files,
 * so Kubernetes ConfigMap mounts work). Names starting with `.` and other extensions (e.g. SAML
 * metadata `*.xml`) are ignored. Problems: directory missing or not a directory; a stem not
 * matching {@link ID_PATTERN}; two files with the same stem (`a.yaml` and `a.yml`).
 * Files come back sorted by name. Never throws.
 */
export function listConfigFiles(dir: string, cwd: string): { files: ConfigFile[]; problems: ConfigProblem[] } {
  const absDir = resolve(cwd, dir);
  const shownDir = displayPath(absDir, cwd);
  const problems: ConfigProblem[] = [];
  let names: string[];
  try {
    if (!statSync(absDir).isDirectory()) {
      return { files: [], problems: [{ file: shownDir, field: WHOLE_DIRECTORY, reason: 'not a directory' }] };
    }
    names = readdirSync(absDir).sort();
  } catch {
    return { files: [], problems: [{ file: shownDir, field: WHOLE_DIRECTORY, reason: 'directory not found' }] };
  }
  const files: ConfigFile[] = [];
  const byId = new Map<string, string>();
  for (const name of names) {
    const ext = extname(name);
    if (name.startsWith('.') || (ext !== '.yaml' && ext !== '.yml')) continue;
    const path = join(absDir, name);
    if (!isFile(path)) continue;
    const id = name.slice(0, -ext.length);
    const display = displayPath(path, cwd);
    if (!ID_PATTERN.test(id)) {
      problems.push({ file: display, field: WHOLE_FILE, reason: `file name must match ${ID_PATTERN.source} (lowercase letters, digits, '-', at most 63 characters) plus .yaml or .yml` });
      continue;
    }
    const other = byId.get(id);
    if (other !== undefined) {
      problems.push({ file: display, field: WHOLE_FILE, reason: `same id "${id}" as ${other}` });
      continue;
    }
    byId.set(id, display);
    files.push({ id, path, display });
  }
  return { files, problems };
}

/**
 * Reads and parses one YAML file (YAML 1.2 core schema, duplicate keys rejected, no custom
 * tags). Returns the top-level mapping as a plain object, or problems on field `(file)`:
 * unreadable file, syntax errors with their line number, top level not a mapping.
 * Never throws.
 */
export function readYamlMapping(path: string): { value?: Record<string, unknown>; problems: FieldProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { problems: [{ field: WHOLE_FILE, reason: `cannot read file (${(e as NodeJS.ErrnoException).code ?? 'error'})` }] };
  }
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: true, resolveKnownTags: false });
  // Warnings (e.g. unknown tags such as !!binary) count as problems too: the file must mean what it says.
  const issues = [...doc.errors, ...doc.warnings];
  if (issues.length > 0) {
    return {
      problems: issues.map((e) => {
        const line = e.linePos?.[0]?.line;
        const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        const what =
          e.code === 'DUPLICATE_KEY'
            ? `duplicate key ${keyAt(text, e.pos[0])}`
            : `${e.name === 'YAMLWarning' ? 'YAML' : 'YAML syntax error'}: ${message}`;
        return { field: WHOLE_FILE, reason: line === undefined ? what : `line ${line}: ${what}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return { problems: [{ field: WHOLE_FILE, reason: `cannot read YAML: ${(e as Error).message}` }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ field: WHOLE_FILE, reason: 'top level must be a mapping (key: value pairs)' }] };
  }
  return { value: value as Record<string, unknown>, problems: [] };
}

/** The mapping key starting at `offset` (plain or quoted), for duplicate-key messages. */
function keyAt(text: string, offset: number): string {
  const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n,}]+)/.exec(text.slice(offset, offset + 200));
  return m ? JSON.stringify(m[1].trim().replace(/^["']|["']$/g, '')) : '';
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
