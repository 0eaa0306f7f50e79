"""opendata feature."""
