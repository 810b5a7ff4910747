"""Evaluation (`plan --eval`, `promptsync eval`): does a changed prompt do better on its test
cases than what the baseline environment serves? The eval files (`models`, `load`), rendering a
version for a test case as the registry would (`render`), calling the model through the
providers' official SDKs (`calls`, with a response cache on disk: `cache`), scoring (`checks`),
the comparison and gate (`compare`), and running it all (`run`). Its part of the Plan JSON is
`results`.

May import: kinds/, repo/, templating/, the shared modules. Never plan/, backends/ (a registry
that records test runs is reached through the `TestRunRecorder` Protocol) or anything above."""
