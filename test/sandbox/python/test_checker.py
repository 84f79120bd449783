"""The checker's pure helpers (june_sandbox.checker): how a sample's exception is named on its side
and rebuilt on the checker's."""
import unittest

import _runner_path  # noqa: F401  (puts the runner on sys.path)
from june_sandbox.checker import builtin_name, sample_exception
from june_sandbox.common import TimeoutException


class Exceptions(unittest.TestCase):
    def test_builtin_name_is_the_nearest_builtin_class(self):
        class MyError(KeyError):
            pass

        self.assertEqual(builtin_name(ValueError()), "ValueError")
        self.assertEqual(builtin_name(MyError()), "KeyError")
        self.assertEqual(builtin_name(TimeoutException()), "Exception")

    def test_rebuilt_on_the_checker_side(self):
        e = sample_exception("ZeroDivisionError")
        self.assertIs(type(e), ZeroDivisionError)
        self.assertTrue(e.june_from_sample)
        self.assertIs(type(sample_exception("TimeoutException")), TimeoutException)
        # a name that is no builtin exception (or no exception at all) becomes a plain Exception
        self.assertIs(type(sample_exception("NotAThing")), Exception)
        self.assertIs(type(sample_exception("print")), Exception)
        # UnicodeDecodeError needs five arguments: it still comes back as an Exception
        self.assertIsInstance(sample_exception("UnicodeDecodeError"), Exception)


if __name__ == "__main__":
    unittest.main()
