"""What the runner, the sample's process and the checker share: prctl and the time-limit exception."""
import ctypes

LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4


def prctl(option, arg):
    LIBC.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


class TimeoutException(Exception):
    pass
