"""The one JSON error shape of the HTTP API, and the service's own errors.

Every error, whatever raised it, leaves as::

    {"error": {"code": "bad_input", "message": "...", "status": 400}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from garde.errors import GardeError

__all__ = [
    "Forbidden",
    "PayloadTooLarge",
    "RateLimited",
    "RequestMismatch",
    "Unauthorized",
    "error_body",
    "install_error_handlers",
]


class Unauthorized(GardeError):
    status = 401
    code = "unauthorized"


class Forbidden(GardeError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(GardeError):
    status = 413
    code = "payload_too_large"


class RequestMismatch(GardeError):
    status = 409
    code = "request_mismatch"


class RateLimited(GardeError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited", 500: "internal_error",
    503: "unavailable",
}


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)


def _validation_message(errors: list[Any]) -> str:
    parts = []
    for e in errors[:3]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body",)) or "body"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


def install_error_handlers(app: FastAPI) -> None:
    async def garde_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GardeError)
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
        elif isinstance(exc, Unauthorized):
            headers = {"WWW-Authenticate": 'Bearer realm="garde"'}
        return error_response(exc.status, exc.code, exc.message, headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        errs = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
        return error_response(422, "invalid_request", _validation_message(list(errs)))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, detail, dict(exc.headers) if exc.headers else None)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("garde.service").error("unhandled %s", type(exc).__name__, exc_info=exc)
        return error_response(500, "internal_error", "internal error; nothing was allowed")

    app.add_exception_handler(GardeError, garde_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
