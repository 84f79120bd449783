"""The runner's plain-data encoding (june_sandbox.values): what crosses the pipes and the host."""
import collections
import json
import random
import unittest

import _runner_path  # noqa: F401  (puts the runner on sys.path)
from june_sandbox.values import MAX_REF_OUTPUT, NonPlain, RefError, dec, enc, load_inputs, ref_payload, ref_result, surely_larger


def cross(v):
    """v as it arrives on the other side: encoded, JSON text, decoded."""
    return dec(json.loads(json.dumps(enc(v), allow_nan=False)))


class RoundTrip(unittest.TestCase):
    VALUES = [
        None, True, False, 0, -1, "", "héllo", b"\x00\xff",
        2**60 + 1,                                      # int in (2^53, 2^62): a plain JSON number
        -(2**70) - 3,                                   # beyond 2^62: hex
        2**53 + 1,
        12345678901234567890.0,                         # a whole float JS would print 12345678901234567000
        1e300, 4.33e19, -0.0, 0.1,
        1 + 2j,
        (1, (2, 3)), [1, [2, (3,)]], {1, 2}, frozenset({"a"}),
        {"k": [2**63 - 1, 1.0], 3: "x", (1, 2): None},
        collections.Counter("abcab"),                   # MBPP+ Mbpp/88
        collections.OrderedDict([("b", 1), ("a", 2)]),
        collections.defaultdict(list, {"x": [1]}),
        [(2**64, 0.5), {"k": [2**63 - 1, 1.0]}],
    ]

    def test_value_and_class_survive(self):
        for v in self.VALUES:
            with self.subTest(v=v):
                back = cross(v)
                self.assertIs(type(back), type(v))
                self.assertEqual(back, v)
                if not isinstance(v, dict):
                    self.assertEqual(repr(back), repr(v))

    def test_nested_classes_survive(self):
        back = cross([(1, 2.0), {"a": (3,)}])
        self.assertIs(type(back[0]), tuple)
        self.assertIs(type(back[0][1]), float)
        self.assertIs(type(back[1]["a"]), tuple)

    def test_ordered_dict_keeps_order(self):
        self.assertEqual(list(cross(collections.OrderedDict([("b", 1), ("a", 2)]))), ["b", "a"])

    def test_non_finite_floats(self):
        self.assertEqual(enc(float("inf")), {"f": "inf"})
        self.assertEqual(enc(float("-inf")), {"f": "-inf"})
        self.assertEqual(enc(float("nan")), {"f": "nan"})
        back = cross(float("nan"))
        self.assertIs(type(back), float)
        self.assertNotEqual(back, back)
        self.assertEqual(cross(float("-inf")), float("-inf"))

    def test_big_ints_as_hex(self):
        self.assertEqual(enc(2**62 - 1), 2**62 - 1)
        self.assertEqual(enc(2**62), {"x": hex(2**62)})
        self.assertEqual(enc(-(2**63)), {"x": hex(-(2**63))})
        self.assertEqual(ref_payload([(1, 2**63)]), [{"t": [1, {"x": "0x8000000000000000"}]}])


def enc_item_by_item(v, depth=0):
    """The encoding as first written, one item at a time: the oracle for enc's C-speed shortcuts."""
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if -(1 << 62) < v < (1 << 62) else {"x": hex(v)}
    if t is float:
        if v != v:
            return {"f": "nan"}
        if v in (float("inf"), float("-inf")):
            return {"f": "inf" if v > 0 else "-inf"}
        return v
    if depth > 100:
        raise NonPlain("nested too deep")
    if t is list:
        return [enc_item_by_item(x, depth + 1) for x in v]
    if t is tuple:
        return {"t": [enc_item_by_item(x, depth + 1) for x in v]}
    if t is set:
        return {"s": [enc_item_by_item(x, depth + 1) for x in v]}
    if t is frozenset:
        return {"fs": [enc_item_by_item(x, depth + 1) for x in v]}
    if t is dict:
        return {"d": [[enc_item_by_item(k, depth + 1), enc_item_by_item(x, depth + 1)] for k, x in v.items()]}
    return enc(v, depth)  # dict subclasses, complex, bytes: no shortcut there


def dec_item_by_item(v):
    """The decoding as first written, one item at a time (containers only; the rest as dec does)."""
    if type(v) is list:
        return [dec_item_by_item(x) for x in v]
    if type(v) is dict and len(v) == 1:
        (k, x), = v.items()
        if k == "t":
            return tuple(dec_item_by_item(i) for i in x)
        if k == "s":
            return set(dec_item_by_item(i) for i in x)
        if k == "fs":
            return frozenset(dec_item_by_item(i) for i in x)
        if k == "d":
            return {dec_item_by_item(a): dec_item_by_item(b) for a, b in x}
    return dec(v)


class Shortcuts(unittest.TestCase):
    EDGE = [0, -1, True, False, None, "", "x", 2**62 - 1, 2**62, -(2**62) + 1, -(2**62), 2**70, 0.5, -0.0,
            float("nan"), float("inf"), float("-inf"), 1e300, b"b", 1j]

    def make(self, rng, depth):
        if depth == 0 or rng.random() < 0.25:
            return rng.choice(self.EDGE)
        n = rng.randrange(0, 5)
        kind = rng.choice(["list", "tuple", "set", "frozenset", "dict", "ints", "floats", "texts"])
        if kind == "ints":
            return [rng.choice([0, 5, True, 2**62 - 1, 2**62, -(2**62)]) for _ in range(n)]
        if kind == "floats":
            return tuple(rng.choice([0.5, -0.0, 1e300, float("inf"), float("nan")]) for _ in range(n))
        if kind == "texts":
            return [rng.choice(["a", "", None, True]) for _ in range(n)]
        if kind == "dict":
            return {i: self.make(rng, depth - 1) for i in range(n)}
        items = [self.make(rng, depth - 1) for _ in range(n)]
        if kind in ("set", "frozenset"):
            hashable = []
            for i in items:
                if "nan" in repr(i):
                    continue  # hash(nan) follows the object's id: a rebuilt set would order differently
                try:
                    hash(i)
                    hashable.append(i)
                except TypeError:
                    pass
            return (set if kind == "set" else frozenset)(hashable)
        return items if kind == "list" else tuple(items)

    def test_enc_and_dec_match_the_item_by_item_forms(self):
        rng = random.Random(12)
        for _ in range(2000):
            v = self.make(rng, 4)
            e = enc(v)
            self.assertEqual(json.dumps(e), json.dumps(enc_item_by_item(v)), v)
            back = dec(json.loads(json.dumps(e)))
            self.assertEqual(repr(back), repr(dec_item_by_item(json.loads(json.dumps(e)))))
            self.assertIs(type(back), type(v))
            text = json.dumps(e)
            if '"s":' not in text and '"fs":' not in text:  # (a rebuilt set may iterate in another order)
                self.assertEqual(json.dumps(enc(back)), text)

    def test_flat_items_at_the_edges(self):
        self.assertEqual(enc([2**62 - 1, -(2**62) + 1]), [2**62 - 1, -(2**62) + 1])
        self.assertEqual(enc([1, 2**62]), [1, {"x": hex(2**62)}])
        self.assertEqual(enc((1.5, float("nan"))), {"t": [1.5, {"f": "nan"}]})
        self.assertEqual(enc([True, 2]), [True, 2])
        self.assertEqual(dec({"t": [1, "a", None, 2.5]}), (1, "a", None, 2.5))
        self.assertEqual(dec({"t": [1, {"x": "0x10"}]}), (1, 16))


class NotPlain(unittest.TestCase):
    def test_objects_subclasses_and_functions(self):
        class MyInt(int):
            pass

        class MyList(list):
            pass

        for v in (object(), MyInt(3), MyList([1]), lambda: 1, iter([1]), range(3), [1, object()]):
            with self.subTest(v=v):
                with self.assertRaises(NonPlain):
                    enc(v)

    def test_too_deep(self):
        v = []
        for _ in range(200):
            v = [v]
        with self.assertRaises(NonPlain):
            enc(v)


class Decode(unittest.TestCase):
    def test_bad_encodings(self):
        for bad in ({"zz": 1}, {"x": "1", "f": "nan"}, {}, {"t": 1, "s": 2}):
            with self.subTest(bad=bad):
                with self.assertRaises((ValueError, TypeError)):
                    dec(bad)

    def test_reference_errors_only_where_allowed(self):
        with self.assertRaises(ValueError):
            dec({"err": "X"})
        e = dec({"err": "X"}, True)
        self.assertIsInstance(e, RefError)
        self.assertEqual(e.why, "X")


class Sizes(unittest.TestCase):
    def test_surely_larger(self):
        self.assertFalse(surely_larger([1, 2, "abc"], 100))
        self.assertTrue(surely_larger(["x" * 200], 100))
        self.assertTrue(surely_larger({i: i for i in range(100)}, 100))
        self.assertTrue(surely_larger(collections.Counter(range(100)), 100))

    def test_surely_larger_is_the_item_by_item_bound(self):
        # the bound walked one item at a time (how it was first written): the summed shortcuts agree
        def slow(v, limit):
            total, stack = 0, [v]
            while stack:
                x = stack.pop()
                t = type(x)
                if t is str or t is bytes:
                    total += len(x) + 2
                elif t is list or t is tuple or t is set or t is frozenset:
                    total += 2 + max(len(x) - 1, 0)
                    stack.extend(x)
                elif isinstance(x, dict):
                    total += 2 + 2 * len(x)
                    stack.extend(dict.keys(x))
                    stack.extend(dict.values(x))
                else:
                    total += 3 if t is float else 1
                if total > limit:
                    return True
            return False

        class S(str):
            pass

        rng = random.Random(7)
        leaves = [0, 1.5, True, None, 2j, "ab", b"xyz", S("q"), "", object()]

        def make(depth):
            if depth == 0 or rng.random() < 0.3:
                return rng.choice(leaves)
            kind = rng.choice([list, tuple, set, frozenset, dict, collections.Counter, "flat", "text"])
            n = rng.randrange(0, 6)
            if kind == "flat":
                return [rng.choice([0, 1.5, None, True]) for _ in range(n)]
            if kind == "text":
                return tuple(rng.choice(["a", "bcd", b"e"]) for _ in range(n))
            if kind in (dict, collections.Counter):
                return kind({i: make(depth - 1) for i in range(n)}) if kind is dict else kind({str(i): i for i in range(n)})
            items = [make(depth - 1) for _ in range(n)]
            if kind in (set, frozenset):
                items = [i for i in items if isinstance(i, (int, float, str, bytes, tuple, frozenset, type(None), complex))]
                try:
                    return kind(items)
                except TypeError:
                    return kind()
            return kind(items)

        for _ in range(300):
            v = make(4)
            for limit in (0, 3, 10, 40, 200):
                self.assertEqual(surely_larger(v, limit), slow(v, limit), (v, limit))
                # and it is a lower bound: what it calls larger really encodes larger, however compact
                try:
                    text = json.dumps(enc(v), allow_nan=False, separators=(",", ":"))
                except (NonPlain, ValueError, TypeError):
                    continue
                if surely_larger(v, limit):
                    self.assertGreater(len(text), limit, (v, limit))

    def test_surely_larger_counts_floats_at_their_shortest(self):
        floats = [(57.22322518606262,) * 77] * 60_000  # like Mbpp/255 plus input 103: 4.6 M floats, 121 MB there
        self.assertTrue(surely_larger(floats, MAX_REF_OUTPUT))
        self.assertGreater(len(json.dumps(enc(floats[:1000]), separators=(",", ":"))) * 60, MAX_REF_OUTPUT)
        self.assertFalse(surely_larger([0.0] * 10, 41))  # "[0.0,0.0,…]" is 41 characters: exact, not over
        self.assertTrue(surely_larger([0.0] * 10, 40))

    def test_surely_larger_on_a_huge_output(self):
        huge = [(1,) * 77] * 500_000  # like MBPP+ Mbpp/255 plus input 85 (~1 GB of JSON), smaller
        self.assertTrue(surely_larger(huge, MAX_REF_OUTPUT))
        self.assertEqual(ref_payload(huge), {"err": "ReferenceOutputTooLarge(over %d bytes)" % MAX_REF_OUTPUT})

    def test_ref_payload_too_large(self):
        self.assertEqual(ref_payload([("x" * 1000,)] * 20000), {"err": "ReferenceOutputTooLarge(over 16777216 bytes)"})

    def test_ref_result(self):
        r = ref_result([1, {"err": "ZeroDivisionError"}, {"t": [1]}], [0.1, 0.0, 0.2])
        self.assertEqual(r["count"], 3)
        self.assertEqual(r["errors"], 1)
        self.assertEqual(r["times"], [0.1, 0.0, 0.2])
        self.assertEqual(json.loads(r["outputsJson"]), [1, {"err": "ZeroDivisionError"}, {"t": [1]}])


class Inputs(unittest.TestCase):
    def test_plain_and_double_encoded(self):
        self.assertEqual(load_inputs({}, "[[1, 2.0], [NaN]]")[0], [1, 2.0])
        self.assertEqual(load_inputs({}, json.dumps("[[3]]")), [[3]])

    def test_deserialize_inputs(self):
        job = {"deserializeInputs": "def deserialize_inputs(xs):\n    return [tuple(map(tuple, x)) for x in xs]\n"}
        self.assertEqual(load_inputs(job, "[[[1, 2]], [[3]]]"), [((1, 2),), ((3,),)])


if __name__ == "__main__":
    unittest.main()
