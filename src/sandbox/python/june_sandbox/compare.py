"""EvalPlus's comparison of a return value with the reference output (evalplus/eval/__init__.py
unsafe_execute; numpy-free allclose), its special oracles included. Pure: unit-tested in
test/sandbox/python.
"""
import math

from .values import RefError


MBPP_OUTPUT_NOT_NONE_TASKS = ["check_str", "text_match_three", "text_starta_endb"]
MBPP_OUTPUT_SET_EQ_TASKS = ["similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
                            "larg_nnum", "intersection_array", "find_dissimilar", "Diff"]


# the oracles that recompute the answer from the input: only they read evalplus_match's inp
_INPUT_ORACLES = {"humaneval": ("find_zero",), "mbpp": ("surface_Area", "digit_distance_nums")}


def uses_input(family, entry):
    """Does evalplus_match read inp for this task? (Otherwise the runner need not load the inputs.)"""
    return entry in _INPUT_ORACLES.get(family, ())


def _poly(xs, x):
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def _surface_Area(base_edge, height):
    slant_height = math.sqrt((base_edge / 2) ** 2 + height ** 2)
    base_area = base_edge ** 2
    lateral_area = 4 * (base_edge * slant_height) / 2
    return round(base_area + lateral_area)


def _digit_distance_nums(num1, num2):
    s1, s2 = str(num1), str(num2)
    n = max(len(s1), len(s2))
    s1, s2 = s1.zfill(n), s2.zfill(n)
    return sum(abs(int(a) - int(b)) for a, b in zip(s1, s2))


def is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


_NUM = (bool, int, float, complex)


def _shape_flat(x, out):
    if type(x) in _NUM:
        out.append(x)
        return ()
    if type(x) in (list, tuple):
        shapes = [_shape_flat(i, out) for i in x]
        if any(s != shapes[0] for s in shapes):
            raise ValueError("ragged")
        return (len(x),) + (shapes[0] if shapes else ())
    raise TypeError("not numeric")


def allclose(a, b, rtol, atol):
    fa, fb = [], []
    sa, sb = _shape_flat(a, fa), _shape_flat(b, fb)
    if sa != sb:
        if len(fb) == 1:
            fb = fb * len(fa)
        elif len(fa) == 1:
            fa = fa * len(fb)
        else:
            raise ValueError("shapes differ")
    for x, y in zip(fa, fb):
        if x == y:
            continue
        if isinstance(x, complex) or isinstance(y, complex):
            if x != x or y != y:
                return False
        elif math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
            return False
        if not abs(x - y) <= atol + rtol * abs(y):
            return False
    return True


def evalplus_match(family, entry, inp, out, exp, state):
    """Raises (or returns False) when out does not match exp; state['atol'] persists across inputs."""
    if isinstance(exp, RefError):
        raise AssertionError("reference failed: " + exp.why)
    atol = state["atol"]
    exact_match = out == exp
    if family == "mbpp":
        if "are_equivalent" == entry:
            exact_match = exact_match or True
        elif "sum_div" == entry:
            exact_match = exact_match or out == 0
        elif "surface_Area" == entry:
            exact_match = exact_match or abs(out - _surface_Area(*inp)) <= atol
        elif "digit_distance_nums" == entry:
            exact_match = exact_match or out == _digit_distance_nums(*inp)
        elif entry in MBPP_OUTPUT_SET_EQ_TASKS:
            exact_match = set(out) == set(exp)
        elif entry in MBPP_OUTPUT_NOT_NONE_TASKS:
            if isinstance(out, bool):
                exact_match = out == exp
            else:
                exact_match = exp == (out is not None)
    if family == "humaneval":
        if "find_zero" == entry:
            assert abs(_poly(*inp, out)) <= atol
            return True
    if atol == 0 and is_floats(exp):
        atol = 1e-6
        state["atol"] = atol
    if not exact_match and atol != 0:
        assert type(out) == type(exp)
        if isinstance(exp, (list, tuple)):
            assert len(out) == len(exp)
        assert allclose(out, exp, 1e-07, atol)
    else:
        assert exact_match
    return True
