"""Attachments on write-ups (issue 13): documents and photos checked from their content,
stored behind one small interface (:mod:`.storage`), served with the write-up's visibility
rules, and their text indexed by the search (:mod:`.extract`)."""
