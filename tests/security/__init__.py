"""Security tests: hostile input and faults (issue 14)."""
