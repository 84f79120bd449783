"""Puts src/sandbox/python (the runner and its june_sandbox package) on sys.path for the tests."""
import os
import sys

RUNNER_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src", "sandbox", "python"))
if RUNNER_DIR not in sys.path:
    sys.path.insert(0, RUNNER_DIR)
