"""The 837D reader: ``reader`` holds the handler table and the loop state; the loops' handlers
live beside it, one module per loop; ``cuts`` finds transaction-set boundaries for parallel
runs."""
