"""Resource kinds: what promptsync manages (prompt templates; datasets). A kind is a folder that
brings its file format and loading, its remote state, its planner rules, its operations and how
they are checked and shown; the neutral stages above see kinds through `promptsync.kinds.registry`.

May import: repo/, templating/ and the shared modules. Never plan/, backends/, apply/, display/,
jobs/, commands/ or cli/."""
