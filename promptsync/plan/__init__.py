"""The neutral Plan: the envelope every kind's changes sit in, its builder over kinds, and saved
plans (read, checked against edits). Pure data and functions; no I/O but reading a plan file.

May import: kinds/, impact/, repo/, templating/, the shared modules."""
