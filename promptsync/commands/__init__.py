"""One module per CLI command. Commands never import each other."""
