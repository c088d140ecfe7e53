import sys

from leadbridge.cli import main

sys.exit(main())
