"""The project's error tree.

``CACError`` is the root of every error the product raises on purpose; each layer adds its own
subclasses here or in its own ``errors`` module, and the service maps them to HTTP responses in
one place (``app/errors.py``). It lives in ``codesets`` because that is the lowest layer: every
other package may import it.

- ``CACError``
  - ``UnknownCodeSystem``: a system name that is not ICD-10-CM, HCPCS or CPT.
  - ``MalformedCode``: a code that cannot be a code of the named system.
  - ``UnknownCode``: a well-formed code that the release does not contain.
  - ``CodeSetVersionUnavailable``: no loaded release covers the date of service.
  - ``CodeSetIntegrityError``: a data file or cache whose checksum does not match its manifest.
  - ``InvalidQuery``: an empty or unusable search query.
  - ``MalformedCodeSetFile``: a code-set source file (a licensed CPT CSV, a CMS HCPCS file, an
    index file) that does not follow its documented layout; the message names the line.
"""


class CACError(Exception):
    """Root of the product's errors; ``message`` is safe to show (it never holds note text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownCodeSystem(CACError):
    """The system name is not one of the loaded code systems."""


class MalformedCode(CACError):
    """The code's shape cannot belong to the named system."""


class UnknownCode(CACError):
    """The code is well formed but not in the release."""


class CodeSetVersionUnavailable(CACError):
    """No loaded release covers the requested date of service."""


class CodeSetIntegrityError(CACError):
    """A data file or cache does not match the checksum its manifest states."""


class InvalidQuery(CACError):
    """A search query that is empty or cannot be searched."""


class MalformedCodeSetFile(CACError):
    """A code-set source file that does not follow its documented layout (names the line)."""
