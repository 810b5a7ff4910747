"""GitHub I/O for the Action: the REST API (sticky comments), the step summary and outputs.

May import: repo/ and the shared modules. Never a resource kind, a plan or a registry."""
