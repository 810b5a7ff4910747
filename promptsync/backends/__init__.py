"""Registry backends. Freeplay's JSON ↔ promptsync models lives only here."""
