"""The example job: ``python -m claimlint.spark`` or ``spark-submit claimlint/spark/__main__.py``.

    python -m claimlint.spark claims/*.837 --out lint-out --format parquet

reads 837D files (``--input x12``, the default) or JSONL files of canonical JSON claims
(``--input jsonl``), lints them with the engine on Spark and writes ``OUT/findings`` (JSONL:
exactly the lines of ``claimlint check --format jsonl``; or Parquet) and ``OUT/verdicts``
(one row per claim). Exit codes as ``claimlint check``: 0 clean, 1 findings at or above
``fail-on``, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import sys

from claimlint.spark.run import main

if __name__ == "__main__":
    sys.exit(main())
