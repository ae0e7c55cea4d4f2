"""Service settings: limits, rate limits, cookies. Read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ServiceSettings"]


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.lower() in ("1", "true", "yes", "on")


#: Hard caps, also written into the OpenAPI document. Settings may only be lower.
MAX_IMAGES = 8
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PROMPT_CHARS = 20_000
MAX_HISTORY = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSettings:
    """Every limit is enforced before any image is decoded."""

    max_body_bytes: int = 32 * 1024 * 1024
    max_images: int = 4
    max_image_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 12_000
    max_prompt_chars: int = 8_000
    max_history: int = 20
    # per API key token bucket (requests per second, burst); a key may carry its own
    default_rate: float = 50.0
    default_burst: int = 100
    key_cache_seconds: float = 5.0
    check_timeout: float = 60.0
    # console
    session_hours: float = 8.0
    secure_cookies: bool = False
    secret_key: str | None = None
    login_attempts_per_minute: int = 10
    # image bytes kept for moderators (review and stricter decisions), never for apparent minors
    keep_review_images: bool = True
    review_image_ttl_hours: float = 72.0
    metrics_public: bool = True
    # load every analyser's models in a background thread as the worker starts (/readyz says
    # "warming up" until done), so that no request pays for loading them
    warm_up: bool = True

    @classmethod
    def from_env(cls) -> ServiceSettings:
        d = cls()
        return cls(
            max_body_bytes=_env_int("GARDE_MAX_BODY_BYTES", d.max_body_bytes),
            max_images=min(MAX_IMAGES, _env_int("GARDE_MAX_IMAGES", d.max_images)),
            max_image_bytes=min(MAX_IMAGE_BYTES, _env_int("GARDE_MAX_IMAGE_BYTES", d.max_image_bytes)),
            max_pixels=_env_int("GARDE_MAX_PIXELS", d.max_pixels),
            max_side=_env_int("GARDE_MAX_SIDE", d.max_side),
            max_prompt_chars=min(MAX_PROMPT_CHARS, _env_int("GARDE_MAX_PROMPT_CHARS", d.max_prompt_chars)),
            max_history=min(MAX_HISTORY, _env_int("GARDE_MAX_HISTORY", d.max_history)),
            default_rate=_env_float("GARDE_RATE_PER_SECOND", d.default_rate),
            default_burst=_env_int("GARDE_RATE_BURST", d.default_burst),
            key_cache_seconds=_env_float("GARDE_KEY_CACHE_SECONDS", d.key_cache_seconds),
            check_timeout=_env_float("GARDE_CHECK_TIMEOUT", d.check_timeout),
            session_hours=_env_float("GARDE_SESSION_HOURS", d.session_hours),
            secure_cookies=_env_bool("GARDE_SECURE_COOKIES", d.secure_cookies),
            secret_key=os.environ.get("GARDE_SECRET_KEY") or None,
            keep_review_images=_env_bool("GARDE_KEEP_REVIEW_IMAGES", d.keep_review_images),
            review_image_ttl_hours=_env_float("GARDE_REVIEW_IMAGE_TTL_HOURS", d.review_image_ttl_hours),
            metrics_public=_env_bool("GARDE_METRICS_PUBLIC", d.metrics_public),
            warm_up=_env_bool("GARDE_WARM_UP", d.warm_up),
        )
