"""The imalink application: ASGI app, settings and the ``imalink`` command."""
