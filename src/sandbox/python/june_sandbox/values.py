"""Plain-data encoding: return values (sample -> runner, sample <-> checker) and reference outputs.

Exact types only: subclasses and other objects are not plain, except the stdlib dict subclasses
below. The encoded form is JSON text that only Python reads: the host keeps reference outputs as
opaque text (never JSON.parse'd, where ints beyond 2^53 and whole floats would lose their exactness
or their type). Pure: no I/O, unit-tested in test/sandbox/python.
"""
import base64
import collections
import json


class NonPlain(Exception):
    pass


DICT_TAGS = {collections.Counter: "ctr", collections.OrderedDict: "od", collections.defaultdict: "dd"}


def _dict_of(cls, pairs):
    d = cls()
    for k, x in pairs:
        d[dec(k)] = dec(x)
    return d


def enc(v, depth=0):
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
        return [enc(x, depth + 1) for x in v]
    if t is tuple:
        return {"t": [enc(x, depth + 1) for x in v]}
    if t is set:
        return {"s": [enc(x, depth + 1) for x in v]}
    if t is frozenset:
        return {"fs": [enc(x, depth + 1) for x in v]}
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


def dec(v, ref=False):
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t is list:
        return [dec(x) for x in v]
    if t is dict and len(v) == 1:
        (k, x), = v.items()
        if k == "x":
            return int(x, 16)
        if k == "f":
            return float(x)
        if k == "t":
            return tuple(dec(i) for i in x)
        if k == "s":
            return set(dec(i) for i in x)
        if k == "fs":
            return frozenset(dec(i) for i in x)
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
    The bound: text len + 2, a list/tuple/set 2 + one per item, a dict 2 + two per item, anything else
    1, summed over the nesting. A sequence whose items are all exact scalars or all exact text is
    summed at once (Mbpp/255's millions of 77-int tuples), which gives the same total."""
    total, stack = 0, [v]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is str or t is bytes:
            total += len(x) + 2
        elif t is list or t is tuple or t is set or t is frozenset:
            total += 2 + len(x)
            kinds = set(map(type, x))
            if kinds <= _SCALAR_KINDS:
                total += len(x)
            elif kinds <= _TEXT_KINDS:
                total += sum(map(len, x)) + 2 * len(x)
            else:
                stack.extend(x)
        elif isinstance(x, dict):
            total += 2 + 2 * len(x)
            stack.extend(dict.keys(x))
            stack.extend(dict.values(x))
        else:
            total += 1
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
