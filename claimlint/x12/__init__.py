"""X12 syntax, independent of the 837D reader: the segment tokenizer, hierarchical-level
index, code lists and position bookkeeping. Imports only ``core``."""
