"""Reference territories of the Code officiel géographique.

Régions, départements, EPCI and communes.
"""
