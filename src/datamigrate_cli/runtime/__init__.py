"""Process-level helpers: a forked second process, and pausing the cycle collector."""
