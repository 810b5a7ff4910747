"""Pure renderers: Plan → text, markdown or JSON."""
