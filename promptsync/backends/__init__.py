"""Registry backends. Each registry's JSON ↔ promptsync's neutral types lives only here."""
