"""One error tree for all of garde.

::

    GardeError                     every error garde raises on purpose
    ├── InputError                 bad input from a caller: exit 2 / HTTP 400
    │   ├── ImageError             an image that cannot be read or is too large
    │   └── UnknownJurisdiction    a country code no pack or ISO list knows
    ├── PolicyError                a pack that is malformed or lowers the floor
    ├── AnalyzerError              an analyser failed; the policy's on_error decides
    │   └── ModelMissing           an analyser's model is not installed
    ├── StoreError                 the database is unreachable or inconsistent
    │   └── LogTampered            the decision log's hash chain is broken
    ├── NotFound                   an id that does not exist: HTTP 404
    └── Suspended                  the actor is suspended: refused before analysis

Every message quotes the bad value. ``status`` is the HTTP status the service
maps the error to, and ``exit_code`` the CLI's.
"""

from __future__ import annotations


class GardeError(Exception):
    """Base of every error garde raises on purpose."""

    status: int = 500
    exit_code: int = 1
    code: str = "garde_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(GardeError, ValueError):
    status = 400
    exit_code = 2
    code = "bad_input"


class ImageError(InputError):
    code = "bad_image"


class UnknownJurisdiction(InputError):
    code = "unknown_jurisdiction"


class PolicyError(GardeError):
    status = 500
    exit_code = 2
    code = "bad_policy"


class AnalyzerError(GardeError):
    status = 503
    code = "analyzer_failed"


class ModelMissing(AnalyzerError):
    code = "model_missing"


class StoreError(GardeError):
    status = 503
    code = "store_unavailable"


class LogTampered(StoreError):
    status = 500
    exit_code = 1
    code = "log_tampered"


class NotFound(GardeError):
    status = 404
    exit_code = 2
    code = "not_found"


class Suspended(GardeError):
    status = 403
    exit_code = 1
    code = "actor_suspended"
