"""Message framing on the pipes between runner, sample and checker: 4-byte big-endian length + JSON.
Pure apart from the fd it is given: unit-tested in test/sandbox/python."""
import json
import os
import struct

MAX_MSG = 64 * 1024 * 1024


def send_msg(fd, obj, write=os.write):
    data = json.dumps(obj, allow_nan=False).encode()
    buf = memoryview(struct.pack(">I", len(data)) + data)  # sliced without copying: a 16 MB message is one copy
    while buf:
        n = write(fd, buf)
        buf = buf[n:]


class Reader:
    """Frames from fd. The buffer is a bytearray (appends and front deletions are amortised O(size)),
    so a message of many pipe-sized chunks costs linear time, not quadratic."""

    def __init__(self, fd):
        self.fd, self.buf, self.eof = fd, bytearray(), False

    def feed(self, data):
        self.buf += data

    def fill(self):
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.eof = True
        self.buf += chunk

    def take(self):
        if len(self.buf) < 4:
            return None
        (n,) = struct.unpack_from(">I", self.buf)
        if n > MAX_MSG:
            raise ValueError("message too large")
        if len(self.buf) < 4 + n:
            return None
        with memoryview(self.buf) as view:
            data = bytes(view[4:4 + n])
        del self.buf[:4 + n]
        return json.loads(data, parse_int=safe_int)


def safe_int(text):
    # big ints travel as hex ({"x": ...}); a huge decimal literal would cost quadratic time here
    if len(text) > 4000:
        raise ValueError("integer literal too long")
    return int(text)
