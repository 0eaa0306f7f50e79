"""pages feature."""
