"""``python -m importer PATH...``: the import client without the ``imalink`` command."""

import sys

from imalink.importer.cli import main

sys.exit(main())
