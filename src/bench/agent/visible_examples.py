"""june's reflect check for `run-benchmarks --agent`: the task's VISIBLE examples, run on solution.py.

Run by june (never by the model) in the agent's session container, with the workspace as the
current directory: `python3 -` with this file on stdin, preceded by one line that sets SPEC:

    SPEC = {"kind": "doctest", "entry": "has_close_elements", "text": ">>> f(1)\\n2\\n"}
    SPEC = {"kind": "asserts", "entry": "similar_elements", "asserts": ["assert ...", ...]}
    SPEC = {"kind": "runs", "entry": "f"}    # no visible examples: the file must run and define f

Only what the prompt already shows the model is here (HumanEval's >>> examples, the asserts an
MBPP prompt shows); the hidden tests never reach the agent's workspace or container. Exit 0 when
every example passes; the output says which failed and how, for the model to read.
"""
import doctest
import sys
import traceback


def load_solution(entry):
    ns = {"__name__": "solution"}
    try:
        with open("solution.py", encoding="utf-8") as f:
            src = f.read()
    except OSError as e:
        print(f"solution.py cannot be read: {e}")
        return None
    try:
        exec(compile(src, "solution.py", "exec"), ns)
    except BaseException:  # noqa: BLE001 - any failure of the program is the check's answer
        traceback.print_exc(limit=3, file=sys.stdout)
        print("solution.py does not run")
        return None
    if not callable(ns.get(entry)):
        print(f"solution.py does not define the function {entry}")
        return None
    return ns


def run_doctest(ns, spec):
    parser = doctest.DocTestParser()
    test = parser.get_doctest(spec["text"], ns, spec["entry"], "solution.py", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=sys.stdout.write)
    return runner.tries, runner.failures


def run_asserts(ns, spec):
    failed = 0
    for line in spec["asserts"]:
        try:
            exec(compile(line, "example", "exec"), ns)
        except AssertionError:
            failed += 1
            print(f"FAILED: {line}")
            expr = line[len("assert "):] if line.startswith("assert ") else line
            lhs = expr.split("==", 1)[0].strip() if "==" in expr else None
            if lhs:
                try:
                    print(f"  {lhs} returned {eval(lhs, ns)!r}")  # noqa: S307 - the visible example itself
                except BaseException as e:  # noqa: BLE001
                    print(f"  {lhs} raised {type(e).__name__}: {e}")
        except BaseException as e:  # noqa: BLE001
            failed += 1
            print(f"ERROR: {line}\n  {type(e).__name__}: {e}")
    return len(spec["asserts"]), failed


def main(spec):
    ns = load_solution(spec["entry"])
    if ns is None:
        return 1
    if spec["kind"] == "doctest":
        total, failed = run_doctest(ns, spec)
    elif spec["kind"] == "asserts":
        total, failed = run_asserts(ns, spec)
    else:
        total, failed = 0, 0
    print(f"{total - failed}/{total} visible examples passed" if total else f"solution.py runs and defines {spec['entry']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(SPEC))  # noqa: F821 - SPEC is set by the line june puts before this file
