"""Message framing on the runner's pipes (june_sandbox.framing): 4-byte length + JSON."""
import json
import os
import struct
import threading
import unittest

import _runner_path  # noqa: F401  (puts the runner on sys.path)
from june_sandbox.framing import MAX_MSG, Reader, safe_int, send_msg


class Framing(unittest.TestCase):
    def setUp(self):
        self.r, self.w = os.pipe()

    def tearDown(self):
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass

    def read_all(self, reader):
        msgs = []
        while True:
            m = reader.take()
            if m is not None:
                msgs.append(m)
                continue
            reader.fill()
            if reader.eof:
                return msgs

    def test_round_trip_in_order(self):
        sent = [{"op": "start", "i": 0}, {"op": "out", "i": 0, "out": [1, {"x": "0x10"}]}, [], "é", 0]
        for m in sent:
            send_msg(self.w, m)
        os.close(self.w)
        self.assertEqual(self.read_all(Reader(self.r)), sent)

    def test_frame_layout(self):
        send_msg(self.w, {"a": 1})
        data = os.read(self.r, 100)
        (n,) = struct.unpack(">I", data[:4])
        self.assertEqual(n, len(data) - 4)
        self.assertEqual(json.loads(data[4:]), {"a": 1})

    def test_short_writes_are_completed(self):
        chunks = []

        def one_byte(fd, buf):
            chunks.append(bytes(buf[:1]))
            return 1

        send_msg(-1, {"op": "done", "i": 3}, write=one_byte)
        reader = Reader(-1)
        reader.feed(b"".join(chunks))
        self.assertEqual(reader.take(), {"op": "done", "i": 3})
        self.assertIsNone(reader.take())

    def test_partial_frames_wait(self):
        data = struct.pack(">I", 7) + b'{"a": 1}'[:5]
        reader = Reader(-1)
        reader.feed(data[:2])
        self.assertIsNone(reader.take())
        reader.feed(data[2:])
        self.assertIsNone(reader.take())
        reader = Reader(-1)
        whole = struct.pack(">I", 8) + b'{"a": 1}'
        reader.feed(whole + whole[:6])
        self.assertEqual(reader.take(), {"a": 1})
        self.assertIsNone(reader.take())
        reader.feed(whole[6:])
        self.assertEqual(reader.take(), {"a": 1})
        self.assertEqual(len(reader.buf), 0)

    def test_not_json_and_nan_refused(self):
        with self.assertRaises(ValueError):
            send_msg(self.w, {"x": float("nan")})  # allow_nan=False: values travel encoded
        reader = Reader(-1)
        reader.feed(struct.pack(">I", 3) + b"{x}")
        with self.assertRaises(ValueError):
            reader.take()

    def test_too_large_refused_before_reading_it(self):
        reader = Reader(-1)
        reader.feed(struct.pack(">I", MAX_MSG + 1))
        with self.assertRaisesRegex(ValueError, "too large"):
            reader.take()

    def test_huge_int_literal_refused(self):
        # big ints travel as hex; a long decimal literal would cost quadratic time to parse
        self.assertEqual(safe_int("12345"), 12345)
        reader = Reader(-1)
        body = b"[" + b"9" * 5000 + b"]"
        reader.feed(struct.pack(">I", len(body)) + body)
        with self.assertRaisesRegex(ValueError, "too long"):
            reader.take()

    def test_large_message_across_many_reads(self):
        msg = {"op": "out", "i": 2, "out": "x" * (3 << 20)}  # ~48 pipe buffers
        done = []
        t = threading.Thread(target=lambda: (send_msg(self.w, msg), send_msg(self.w, {"op": "done"}), done.append(1)))
        t.start()
        reader = Reader(self.r)
        got = []
        while len(got) < 2:
            m = reader.take()
            if m is None:
                reader.fill()
            else:
                got.append(m)
        t.join()
        self.assertEqual(got, [msg, {"op": "done"}])

    def test_eof(self):
        os.close(self.w)
        reader = Reader(self.r)
        reader.fill()
        self.assertTrue(reader.eof)
        self.assertIsNone(reader.take())


if __name__ == "__main__":
    unittest.main()
