"""Running a lint: finding the files, the per-claim engine, parallel and streaming runs, the
library API behind ``claimlint/__init__.py``, the check registry, conversion and progress.
The only layer that wires readers, checks and formatters together (besides the CLI)."""
