"""A local, PromptLayer-compatible prompt-registry server (see docs/emulator.md, "PromptLayer").

Written from PromptLayer's OpenAPI document and its official SDK alone: like the rest of
`promptsync.emulator`, it imports nothing else of promptsync.
"""
