"""Plain-data encoding: return values (sample -> runner, sample <-> checker) and reference outputs.

Exact types only: subclasses and other objects are not plain, except the stdlib dict subclasses
below. The encoded form is JSON text that only Python reads: the host keeps reference outputs as
opaque text (never JSON.parse'd, where ints beyond 2^53 and whole floats would lose their exactness
or their type). Pure: no I/O, unit-tested in test/sandbox/python.
"""
import base64
import collections
import json
import math


class NonPlain(Exception):
    pass


DICT_TAGS = {collections.Counter: "ctr", collections.OrderedDict: "od", collections.defaultdict: "dd"}


def _dict_of(cls, pairs):
    d = cls()
    for k, x in pairs:
        d[dec(k)] = dec(x)
    return d


_SELF_KINDS = frozenset({str, bool, type(None)})
_INT_KINDS = frozenset({int, bool})
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_INT_MAX = 1 << 62


def _as_themselves(v):
    """The items of a list, tuple or set as a list when each one encodes as itself (text, None, a
    bool, an int within 2^62, a finite float), found at C speed; else None. The items-by-item
    encoding below gives the same list, one Python call per item slower (Mbpp/255's outputs are
    millions of tuples of strings)."""
    kinds = set(map(type, v))
    if kinds <= _SELF_KINDS:
        return list(v)
    if kinds <= _INT_KINDS:
        return list(v) if min(v) > -_INT_MAX and max(v) < _INT_MAX else None
    if kinds == {float}:
        return list(v) if all(map(math.isfinite, v)) else None
    return None


def enc(v, depth=0):
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if -_INT_MAX < v < _INT_MAX else {"x": hex(v)}
    if t is float:
        if v != v:
            return {"f": "nan"}
        if v in (float("inf"), float("-inf")):
            return {"f": "inf" if v > 0 else "-inf"}
        return v
    if depth > 100:
        raise NonPlain("nested too deep")
    if t is list or t is tuple or t is set or t is frozenset:
        items = _as_themselves(v)
        if items is None:
            items = [enc(x, depth + 1) for x in v]
        return items if t is list else {"t": items} if t is tuple else {"s": items} if t is set else {"fs": items}
    if t is dict:
        return {"d": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
    tag = DICT_TAGS.get(t)
    if tag:
        # the stdlib's dict subclasses (MBPP+ Mbpp/88 returns a Counter): their own class comes back
        # on the other side, so == behaves as it does between the original objects
        return {tag: [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(v)]}
    if t is complex:
        return {"c": [enc(v.real), enc(v.imag)]}
    if t is bytes:
        return {"b": base64.b64encode(v).decode("ascii")}
    raise NonPlain("not plain data")


def _items(x):
    """Decoded items of an encoded list: JSON scalars decode as themselves (checked at C speed)."""
    if type(x) is list and set(map(type, x)) <= _JSON_SCALARS:
        return x
    return [dec(i) for i in x]


def dec(v, ref=False):
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t is list:
        return list(_items(v))
    if t is dict and len(v) == 1:
        (k, x), = v.items()
        if k == "x":
            return int(x, 16)
        if k == "f":
            return float(x)
        if k == "t":
            return tuple(_items(x))
        if k == "s":
            return set(_items(x))
        if k == "fs":
            return frozenset(_items(x))
        if k == "d":
            return {dec(a): dec(b) for a, b in x}
        if k == "ctr":
            return _dict_of(collections.Counter, x)
        if k == "od":
            return _dict_of(collections.OrderedDict, x)
        if k == "dd":
            return _dict_of(collections.defaultdict, x)
        if k == "c":
            return complex(dec(x[0]), dec(x[1]))
        if k == "b":
            return base64.b64decode(x)
        if k == "err" and ref:
            return RefError(x)
    raise ValueError("bad encoding")


MAX_REF_OUTPUT = 16 * 1024 * 1024


_SCALAR_KINDS = frozenset({int, float, bool, type(None), complex})
_TEXT_KINDS = frozenset({str, bytes})


def surely_larger(v, limit):
    """True when v's encoding is surely over limit bytes: a lower bound of its JSON length, walked
    without copying and given up as soon as it passes the limit (a 1 GB output costs ~limit of work).
    The bound: text len + 2, a list/tuple/set 2 + one per comma, a dict 2 + two per item, a float 3
    (every finite repr has three characters or more, "1.0"; inf and nan encode longer), anything else
    1, summed over the nesting. A sequence whose items are all exact scalars or all exact text is
    summed at once (Mbpp/255's millions of 77-float tuples, whose 121 MB of JSON this now refuses
    without spending 8 s encoding it), which gives the same total."""
    total, stack = 0, [v]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is str or t is bytes:
            total += len(x) + 2
        elif t is list or t is tuple or t is set or t is frozenset:
            total += 2 + max(len(x) - 1, 0)
            types = list(map(type, x))
            kinds = set(types)
            if kinds <= _SCALAR_KINDS:
                total += len(x) + (2 * types.count(float) if float in kinds else 0)
            elif kinds <= _TEXT_KINDS:
                total += sum(map(len, x)) + 2 * len(x)
            else:
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


def ref_payload(out):
    """A reference output as shipped to the host, or an error when it is too large to compare:
    MBPP+ Mbpp/255 plus input 85 (1.66 M tuples of 77 items, ~1 GB of JSON) is one; EvalPlus's own
    4 GiB cap fails every sample there too. Checked before encoding, so the run neither copies it
    nor dies of it (a reference process killed mid-suite would leave the later tests unknown)."""
    if surely_larger(out, MAX_REF_OUTPUT):
        return {"err": "ReferenceOutputTooLarge(over %d bytes)" % MAX_REF_OUTPUT}
    e = enc(out)
    n = len(json.dumps(e))
    if n > MAX_REF_OUTPUT:
        return {"err": "ReferenceOutputTooLarge(%d bytes)" % n}
    return e


class RefError:
    def __init__(self, why):
        self.why = why


def ref_result(refs, times):
    """A reference suite as shipped to the host: the encoded outputs as one JSON text the host keeps
    verbatim and hands back in sample jobs (expectedJson), how many, how many are errors, times (s)."""
    errors = sum(1 for r in refs if type(r) is dict and "err" in r)
    return {"outputsJson": json.dumps(refs, allow_nan=False), "count": len(refs), "errors": errors, "times": times}


def load_inputs(job, text):
    """The suite's inputs: Python json text, then the dataset's own deserialize_inputs (trusted source
    from june's dataset loader, e.g. EvalPlus's MBPP+ tuples and sets) when it has one."""
    inputs = json.loads(text)
    if isinstance(inputs, str):
        inputs = json.loads(inputs)
    src = job.get("deserializeInputs")
    if src:
        ns = {}
        exec(compile(src, "<deserialize_inputs>", "exec"), ns)
        inputs = ns["deserialize_inputs"](inputs)
    return inputs
