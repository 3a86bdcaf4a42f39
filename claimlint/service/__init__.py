"""``claimlint serve``: the linter as an HTTP service for clearinghouses (docs/service.md).

The top of the pipeline, beside ``cli.py``: it may import ``running`` and everything below,
and only ``cli`` imports it (tests/test_layering.py). FastAPI and uvicorn come with the
optional ``service`` extra: ``pip install 'dental-claimlint[service]'``.
"""
