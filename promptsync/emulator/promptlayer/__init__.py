"""A local, PromptLayer-compatible server: the prompt registry, request logs with scores and
search, and datasets (see docs/emulator.md, "PromptLayer").

Written from PromptLayer's OpenAPI document and its official SDK alone: like the rest of
`promptsync.emulator`, it imports nothing else of promptsync.
"""
