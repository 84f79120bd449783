"""june's sandbox runner, the parts runner.py (the entry point, /opt/june/runner.py in the image)
imports: value encoding (values), EvalPlus's comparison (compare), message framing (framing), the
script-test checker (checker) and what they share (common). Shipped into the image and hashed into
its tag with runner.py (src/sandbox/image.ts)."""
