"""What every stage shares: the canonical claim model, findings, the rule catalogue readers
report through, configuration, and small utilities (object construction, spill-to-disk).

``core`` imports nothing else of the project.
"""
