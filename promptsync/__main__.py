from promptsync.cli import entry

entry()
