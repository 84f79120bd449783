"""EvalPlus's comparison (june_sandbox.compare): exact values, atol and allclose, classes, and the
special oracles EvalPlus applies to some HumanEval+ and MBPP+ tasks."""
import collections
import math
import unittest

import _runner_path  # noqa: F401  (puts the runner on sys.path)
from june_sandbox.compare import MBPP_OUTPUT_NOT_NONE_TASKS, MBPP_OUTPUT_SET_EQ_TASKS, allclose, evalplus_match, is_floats, uses_input
from june_sandbox.values import RefError


def passes(out, exp, family="humaneval", entry="f", inp=(), atol=0, state=None):
    state = state if state is not None else {"atol": atol}
    try:
        return evalplus_match(family, entry, list(inp), out, exp, state) is True
    except AssertionError:
        return False


class Exact(unittest.TestCase):
    def test_equal_and_not(self):
        self.assertTrue(passes([1, 2], [1, 2]))
        self.assertFalse(passes([1, 2], [2, 1]))
        self.assertFalse(passes(None, 0))
        self.assertTrue(passes("abc", "abc"))

    def test_python_equality_across_classes(self):
        # EvalPlus compares with ==: a tuple is not a list, True == 1, a dict equals a Counter
        self.assertFalse(passes((1, 2), [1, 2]))
        self.assertTrue(passes(True, 1))
        self.assertTrue(passes({"a": 2, "b": 1}, collections.Counter("aba")))
        self.assertFalse(passes(collections.OrderedDict([("a", 1), ("b", 2)]), collections.OrderedDict([("b", 2), ("a", 1)])))
        self.assertTrue(passes(43300000000000000000, 4.33e19))   # this int equals the float exactly
        self.assertFalse(passes(12345678901234567000, 12345678901234567890.0))

    def test_big_ints_exact(self):
        self.assertFalse(passes(2**60, 2**60 + 1))
        self.assertTrue(passes(2**60 + 1, 2**60 + 1))

    def test_reference_error_fails_every_sample(self):
        with self.assertRaisesRegex(AssertionError, "reference failed: ZeroDivisionError"):
            evalplus_match("humaneval", "f", [], 1, RefError("ZeroDivisionError"), {"atol": 0})


class Tolerance(unittest.TestCase):
    def test_float_expected_sets_atol_and_it_stays(self):
        state = {"atol": 0}
        self.assertTrue(passes(0.1 + 0.2, 0.3, state=state))
        self.assertEqual(state["atol"], 1e-6)
        # from here on the suite compares with 1e-6, ints included (EvalPlus keeps atol across inputs)
        self.assertTrue(passes(2**53, 2**53 + 1, state=state))
        fresh = {"atol": 0}
        self.assertFalse(passes(2**53, 2**53 + 1, state=fresh))

    def test_dataset_atol(self):
        self.assertTrue(passes(1.0005, 1.0, atol=1e-3))
        self.assertFalse(passes(1.002, 1.0, atol=1e-3))
        self.assertTrue(passes([1.0, 2.0005], [1.0, 2.0], atol=1e-3))
        self.assertFalse(passes([1.0, 2.0005], [1.0, 2.0, 3.0], atol=1e-3))   # lengths differ

    def test_class_must_match_when_not_exact(self):
        self.assertFalse(passes((1.0000001, 2.0), [1.0, 2.0]))   # tuple vs list
        self.assertTrue(passes(1.0000001, 1.0))
        self.assertFalse(passes(1, 1.0000001))                   # int vs float, not equal

    def test_nan_and_inf(self):
        self.assertFalse(passes(float("nan"), float("nan")))     # numpy.allclose: nan is not close to nan
        self.assertTrue(passes(float("inf"), float("inf")))      # equal
        self.assertFalse(passes(1e308, float("inf")))

    def test_is_floats(self):
        self.assertTrue(is_floats(1.0))
        self.assertTrue(is_floats([1.0, 2.0]))
        self.assertTrue(is_floats((1.0,)))
        self.assertFalse(is_floats([1.0, 2]))
        self.assertFalse(is_floats([]))
        self.assertFalse(is_floats(1))


class AllClose(unittest.TestCase):
    def test_numpy_semantics(self):
        self.assertTrue(allclose([1.0, 2.0], [1.0, 2.0 + 1e-9], 1e-7, 0))
        self.assertTrue(allclose([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], 1e-7, 1e-6))
        self.assertFalse(allclose([1.0, 2.0], [1.0, 2.1], 1e-7, 1e-6))
        self.assertTrue(allclose(complex(1, 1), complex(1, 1 + 1e-9), 1e-7, 1e-6))

    def test_broadcast_of_one_value(self):
        self.assertTrue(allclose([2.0, 2.0, 2.0], 2.0, 1e-7, 1e-6))
        self.assertTrue(allclose(2.0, [2.0, 2.0], 1e-7, 1e-6))

    def test_shapes(self):
        with self.assertRaises(ValueError):
            allclose([1.0, 2.0], [1.0, 2.0, 3.0], 1e-7, 1e-6)
        with self.assertRaises(ValueError):
            allclose([[1.0], [1.0, 2.0]], [[1.0], [1.0, 2.0]], 1e-7, 1e-6)
        with self.assertRaises(TypeError):
            allclose(["a"], ["a"], 1e-7, 1e-6)


def poly(xs, x):
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))


class InputUse(unittest.TestCase):
    def test_only_the_recomputing_oracles_read_the_input(self):
        self.assertTrue(uses_input("humaneval", "find_zero"))
        self.assertTrue(uses_input("mbpp", "surface_Area"))
        self.assertTrue(uses_input("mbpp", "digit_distance_nums"))
        self.assertFalse(uses_input("mbpp", "find_zero"))
        self.assertFalse(uses_input("humaneval", "surface_Area"))
        # every other task compares without its input (the runner then never loads the inputs)
        others = ["f", "are_equivalent", "sum_div"] + MBPP_OUTPUT_SET_EQ_TASKS + MBPP_OUTPUT_NOT_NONE_TASKS
        for family in ("humaneval", "mbpp"):
            for entry in others:
                with self.subTest(family=family, entry=entry):
                    self.assertFalse(uses_input(family, entry))
                    for out, exp in (([1.0], [1.0]), ([0], [1]), ("ab", "ba"), ((1,), [1])):
                        try:
                            evalplus_match(family, entry, None, out, exp, {"atol": 0})
                        except AssertionError:
                            pass


class SpecialOracles(unittest.TestCase):
    def test_humaneval_find_zero_any_root(self):
        xs = [-6, 11, -6, 1]                    # (x-1)(x-2)(x-3): any of the three roots passes
        for root in (1.0, 2.0, 3.0000000001):
            with self.subTest(root=root):
                self.assertTrue(passes(root, 1.0, entry="find_zero", inp=[xs], atol=1e-6))
        self.assertFalse(passes(1.5, 1.0, entry="find_zero", inp=[xs], atol=1e-6))
        self.assertTrue(abs(poly(xs, 3.0000000001)) <= 1e-6)

    def test_mbpp_are_equivalent_always_passes(self):
        self.assertTrue(passes(False, True, family="mbpp", entry="are_equivalent", inp=[36, 57]))

    def test_mbpp_sum_div(self):
        self.assertTrue(passes(0, 7, family="mbpp", entry="sum_div", inp=[8]))
        self.assertFalse(passes(3, 7, family="mbpp", entry="sum_div", inp=[8]))

    def test_mbpp_surface_area(self):
        # the sample's value is checked against EvalPlus's own formula (round(34.63) = 35), within atol
        self.assertTrue(passes(34, 0, family="mbpp", entry="surface_Area", inp=[3, 4], atol=1))
        self.assertFalse(passes(40, 0, family="mbpp", entry="surface_Area", inp=[3, 4], atol=1))

    def test_mbpp_digit_distance(self):
        self.assertTrue(passes(7, -1, family="mbpp", entry="digit_distance_nums", inp=[123, 256]))
        self.assertFalse(passes(6, -1, family="mbpp", entry="digit_distance_nums", inp=[123, 256]))

    def test_mbpp_set_equal_tasks(self):
        self.assertTrue(passes([3, 1, 2, 2], [1, 2, 3], family="mbpp", entry="similar_elements"))
        self.assertTrue(passes((4, 5), [5, 4], family="mbpp", entry="Diff"))
        self.assertFalse(passes([1, 2], [1, 2, 3], family="mbpp", entry="find_char_long"))
        # other tasks keep order
        self.assertFalse(passes([2, 1], [1, 2], family="mbpp", entry="other"))
        # the oracle is MBPP's only
        self.assertFalse(passes([2, 1], [1, 2], family="humaneval", entry="similar_elements"))

    def test_mbpp_not_none_tasks(self):
        # the reference output is `out is not None` (a bool); a sample's non-bool counts by being not None
        self.assertTrue(passes("match!", True, family="mbpp", entry="check_str"))
        self.assertTrue(passes(None, False, family="mbpp", entry="text_match_three"))
        self.assertFalse(passes(None, True, family="mbpp", entry="text_starta_endb"))
        self.assertTrue(passes(True, True, family="mbpp", entry="check_str"))
        self.assertFalse(passes(False, True, family="mbpp", entry="check_str"))


if __name__ == "__main__":
    unittest.main()
