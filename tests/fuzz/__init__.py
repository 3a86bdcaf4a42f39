"""Property-based fuzzing of claimlint's readers, CLI and loaders (see tests/fuzz/README.md)."""
