"""claimlint: a pre-submission linter for US dental insurance claims."""

from claimlint.findings import Finding, Location, Report, Severity

__version__ = "0.1.0"

__all__ = ["Finding", "Location", "Report", "Severity", "__version__"]
