import sys

from promptsync.cli import main

sys.exit(main())
