# search has no tables of its own.
