"""Reference territories from the Code officiel géographique (régions, départements, EPCI, communes)."""
