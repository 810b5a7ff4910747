"""Registry backends: the `Backend` Protocol and one folder per registry. Each registry's JSON ↔
promptsync's neutral types lives only here.

May import: plan/, impact/ (recorded calls), kinds/, repo/, templating/, the shared modules."""
