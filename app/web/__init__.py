"""The coder web client: a static page and ES modules that drive the ``/v1`` API."""
