"""The imperative shell the CLI and the GitHub Action share: open a project and its registry, make
a plan, check a saved one, apply, pull, validate. Each job returns data; printing is the caller's.

May import: every stage below (display/, apply/, github/, backends/, plan/, impact/, kinds/, repo/,
templating/) and the shared modules. Never commands/ or cli/."""
