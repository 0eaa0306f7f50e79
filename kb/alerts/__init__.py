"""Saved searches and the e-mail alerts that list the new published write-ups they match."""
