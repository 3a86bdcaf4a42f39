"""X12 plumbing for the 837D reader: the segment tokenizer and the code lists it checks."""
