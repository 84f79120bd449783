/**
 * MBPP+ stores its inputs as JSON, which has no tuples, sets or complex numbers; EvalPlus restores
 * them per task when it loads the file (evalplus/data/mbpp.py, mbpp_deserialize_inputs). This is
 * the same table, as Python source the harness runs before calling the reference and the sample.
 */

/** One Python expression per shape: how one input (a list of arguments, `inp`) is restored. */
const SHAPES = {
  /** every argument is a list → tuple */
  tupleArgs: '[tuple(a) for a in inp]',
  /** every argument is a list of lists → list of tuples */
  nestedTuples: '[[tuple(x) for x in a] for a in inp]',
  /** first argument a list of lists → list of tuples; second kept */
  firstArgTupleList: '[[tuple(x) for x in inp[0]], inp[1]]',
  /** second argument → tuple */
  secondArgTuple: '[inp[0], tuple(inp[1])]',
  /** first argument → tuple; second kept */
  firstArgTuple: '[tuple(inp[0]), inp[1]]',
  /** every argument a list of lists → tuple of tuples */
  nestedThenTuple: '[tuple(tuple(x) for x in a) for a in inp]',
  /** every list at any depth → tuple (the input itself becomes a tuple of arguments) */
  allTuples: '_all_tuples(inp)',
  /** Mbpp/115: list of lists → list of sets (an empty list becomes {}, as EvalPlus does) */
  t115: '[[set(x) if isinstance(x, list) and len(x) else {} for x in inp[0]]]',
  /** Mbpp/124: (float, complex) */
  t124: '(float(inp[0]), complex(inp[1]))',
  /** Mbpp/252: complex */
  t252: '[complex(inp[0])]',
  /** Mbpp/278: first argument → tuple, its list items → tuples */
  t278: '[tuple(tuple(x) if isinstance(x, list) else x for x in inp[0])]',
  /** Mbpp/307: first argument → tuple */
  t307: '[tuple(inp[0]), inp[1], inp[2]]',
  /** Mbpp/722: dict values → tuples */
  t722: '[{k: tuple(v) for k, v in inp[0].items()}] + inp[1:]',
} as const;
type Shape = keyof typeof SHAPES;

const BY_TASK = new Map<number, Shape>();
function put(shape: Shape, ids: number[]): void {
  for (const id of ids) BY_TASK.set(id, shape);
}
put('tupleArgs', [2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809]);
put('nestedTuples', [63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780]);
put('firstArgTupleList', [75, 413, 444, 753]);
put('secondArgTuple', [106, 750]);
put('firstArgTuple', [250, 405, 446, 617, 720, 763, 808]);
put('nestedThenTuple', [259, 401, 445]);
put('allTuples', [580, 615, 791]);
put('t115', [115]);
put('t124', [124]);
put('t252', [252]);
put('t278', [278]);
put('t307', [307]);
put('t722', [722]);

const ALL_TUPLES_HELPER = `def _all_tuples(v):
    return tuple(_all_tuples(x) for x in v) if isinstance(v, list) else v
`;

/** Python source of `deserialize_inputs(inputs)` for an MBPP+ task ("Mbpp/N"), or undefined when its inputs are used as loaded. */
export function mbppPlusDeserializer(taskId: string): string | undefined {
  const n = Number(taskId.split('/').pop());
  const shape = BY_TASK.get(n);
  if (!shape) return undefined;
  const helper = shape === 'allTuples' ? ALL_TUPLES_HELPER : '';
  return `${helper}def deserialize_inputs(inputs):\n    return [${SHAPES[shape]} for inp in inputs]\n`;
}
