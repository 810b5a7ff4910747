"""One module per CLI command, thin: parse what click gave, call one job, print through the console,
return an exit code. Commands never import each other (`options`, the option definitions shared with
the GitHub Action driver, is not a command).

May import: jobs/ and every stage below it, and the shared modules. Never cli/."""
