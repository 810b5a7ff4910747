"""`plan --impact`: recorded calls as neutral data (`traffic`), the pure analysis of a plan's
changes against them (`analysis`) and its part of the Plan JSON (`models`).

May import: kinds/, repo/, templating/, the shared modules."""
