"""claimlint: a pre-submission linter for US dental insurance claims."""

from claimlint.findings import Finding, Location, Report, Severity

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: `import claimlint` stays cheap for the command line
    if name == "lint_stream":
        from claimlint.stream import lint_stream

        return lint_stream
    raise AttributeError(f"module 'claimlint' has no attribute {name!r}")


__all__ = ["Finding", "Location", "Report", "Severity", "__version__", "lint_stream"]
