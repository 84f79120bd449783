/**
 * A small outline of Python source: its top-level statements (each with its indented block and its
 * decorators), what kind each one is, the name it defines and the identifiers it uses.
 *
 * It is not a parser. It tracks exactly what decides where a top-level statement ends — string
 * literals (single, triple, prefixed), comments, bracket depth and backslash continuations — which
 * is what EvalPlus's tree-sitter sanitizer needs from a parse tree. Model answers are often not valid
 * Python (prose between code, truncated output), so it resynchronises at every column-0 line that
 * starts a definition or an import, and a quote left open on one line ends with that line.
 */

export type StatementKind = 'import' | 'function' | 'class' | 'assignment' | 'other';

export interface TopLevelStatement {
  kind: StatementKind;
  /** The name a function, class or assignment defines; null otherwise. */
  name: string | null;
  /** The statement's source, decorators and indented block included, without trailing blank lines. */
  text: string;
  /** Identifiers used (outside strings and comments), for the dependency walk. */
  identifiers: Set<string>;
  /** Functions only: whether the body holds a `return` statement (EvalPlus keeps only those). */
  hasReturn: boolean;
  startLine: number;
}

const DEF_START = /^(?:async\s+def|def|class|import|from|@)\b/;

/** Removes string literals and comments from one line, tracking strings that continue past it. */
interface ScanState {
  /** The open triple-quote delimiter, if a triple-quoted string continues onto the next line. */
  triple: '"""' | "'''" | null;
  depth: number;
  continued: boolean;
}

function scanLine(line: string, state: ScanState): string {
  let code = '';
  let i = 0;
  state.continued = false;
  while (i < line.length) {
    if (state.triple) {
      const end = line.indexOf(state.triple, i);
      if (end === -1) return code;
      i = end + 3;
      state.triple = null;
      code += ' ';
      continue;
    }
    const ch = line[i]!;
    if (ch === '#') break;
    if (ch === '"' || ch === "'") {
      const three = line.slice(i, i + 3);
      if (three === '"""' || three === "'''") {
        state.triple = three;
        i += 3;
        continue;
      }
      // a one-line string: find its end, honouring backslash escapes; unterminated ends at the line end
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === '\\' ? 2 : 1;
      i = j + 1;
      code += ' ';
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') state.depth++;
    else if (ch === ')' || ch === ']' || ch === '}') state.depth = Math.max(0, state.depth - 1);
    code += ch;
    i++;
  }
  if (!state.triple && /\\\s*$/.test(line)) state.continued = true;
  return code;
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

function identifiersOf(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (!KEYWORDS.has(m[0])) out.add(m[0]);
  return out;
}

function classify(head: string): {kind: StatementKind; name: string | null} {
  let m = /^(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(head);
  if (m) return {kind: 'function', name: m[1]!};
  m = /^class\s+([A-Za-z_]\w*)/.exec(head);
  if (m) return {kind: 'class', name: m[1]!};
  if (/^(?:import|from)\s/.test(head)) return {kind: 'import', name: null};
  m = /^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)/.exec(head);
  if (m) return {kind: 'assignment', name: m[1]!};
  return {kind: 'other', name: null};
}

/** The top-level statements of `source`, in order. Blank lines and column-0 comments belong to none. */
export function outlinePython(source: string): TopLevelStatement[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const state: ScanState = {triple: null, depth: 0, continued: false};
  interface Building {
    start: number;
    end: number;
    code: string[];
    head: string;
    pendingDecorators: boolean;
  }
  const built: Building[] = [];
  let current: Building | null = null;
  let insideLogical = false; // the previous physical line left a bracket, string or backslash open

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const atColumn0 = line.length > 0 && !/^\s/.test(line);
    if (insideLogical && atColumn0 && DEF_START.test(line) && !state.triple) {
      // an unclosed bracket in prose must not swallow the next definition
      state.depth = 0;
      insideLogical = false;
    }
    const startsStatement = !insideLogical && atColumn0 && !line.startsWith('#');
    const code = scanLine(line, state);
    if (startsStatement) {
      const joinsDecorator = current !== null && current.pendingDecorators;
      if (joinsDecorator && current) {
        current.end = n;
        current.code.push(code);
        if (!line.startsWith('@')) {
          current.head = line;
          current.pendingDecorators = false;
        }
      } else {
        current = {start: n, end: n, code: [code], head: line, pendingDecorators: line.startsWith('@')};
        built.push(current);
      }
    } else if (current && (line.trim() !== '' || insideLogical)) {
      if (!atColumn0 || insideLogical) {
        current.end = n;
        current.code.push(code);
      }
    }
    insideLogical = state.triple !== null || state.depth > 0 || state.continued;
  }

  return built.map((b) => {
    const {kind, name} = classify(b.head);
    const code = b.code.join('\n');
    return {
      kind,
      name,
      text: lines.slice(b.start, b.end + 1).join('\n').replace(/\s+$/, ''),
      identifiers: identifiersOf(code),
      hasReturn: kind === 'function' && /(^|[^\w.])return\b/.test(code),
      startLine: b.start,
    };
  });
}
