"""Pure renderers: a Plan (and an apply report) → text for a terminal, GitHub markdown, JSON.

May import: apply/ (the report), plan/, impact/, kinds/, the shared modules. No I/O."""
