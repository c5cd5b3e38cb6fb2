"""The reference import client of imalink (``imalink import``).

It does the file work the API expects of every frontend: find photo files, pair RAW with JPEG,
make the hotpreview and hothash, read the raw EXIF bytes, and send photo groups in batches.
Each rule lives in exactly one module:

- :mod:`importer.scan` -- which files count and how folders are walked
- :mod:`importer.grouping` -- which files form one photo
- :mod:`importer.exif_extract` -- which bytes are "the raw EXIF" of a file
- :mod:`importer.preview` -- the hotpreview recipe and the hothash
- :mod:`importer.process` -- one group turned into what is sent (runs in worker processes)
- :mod:`importer.transport` -- how GraphQL documents reach the server (HTTP or in-process)
- :mod:`importer.upload` -- the import run: existence check, batches, session
- :mod:`importer.report` -- the summary, for people and for scripts
- :mod:`importer.cli` -- the ``import`` subcommand
"""
