"""The payer side: money, payer profiles, the prior-procedure history and the estimate of what
a plan pays. Depends on ``core`` and the ``dental`` tables only: never on readers, checks or
formatters."""
