"""Executing a Plan through a backend: every operation in order (`execute`), the re-read that
verifies it (`verify`), and the report (`report`). No decisions of its own.

May import: backends/ (the Protocol), plan/, kinds/, repo/, the shared modules."""
