"""promptsync: a git repository as the source of truth for LLM prompt templates."""

__version__ = "0.1.0"
