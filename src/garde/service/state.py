"""What one app instance holds: the guard, the database and the stores built on it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from garde.errors import GardeError
from garde.guard import Guard
from garde.model import Action, Decision, Image
from garde.service.config import ServiceSettings
from garde.service.images import ReviewVault, involves_minor
from garde.service.metrics import Metrics
from garde.service.security import AuditTrail, KeyStore, RateLimiter, SessionSigner, UserStore
from garde.store import Database

__all__ = ["ServiceState", "load_bank_store", "load_case_store"]

log = logging.getLogger("garde.service")

#: Decision action → the case kind opened for it (when garde.enforce is installed).
CASE_KINDS = {Action.REVIEW: "review", Action.BLOCK_AND_REPORT: "block_and_report"}


def load_case_store(db: Database) -> Any | None:
    """``garde.enforce.cases.CaseStore(db)`` when enforcement is installed, else None."""
    try:
        from garde.enforce.cases import CaseStore
    except ModuleNotFoundError:
        return None
    return CaseStore(db)


def load_bank_store(db: Database, *, policy: Any | None = None, cases: Any | None = None) -> Any | None:
    """``garde.hashing.banks.BankStore(db)`` when the hashing package is installed, else None.

    Its retroactive takedown uses ``policy`` (the guard's) for removal deadlines and opens
    its cases in ``cases`` when given (else in ``garde.enforce``'s case store, as the CLI does).
    """
    try:
        from garde.hashing.banks import BankStore
        from garde.hashing.takedown import TakedownRunner
    except ModuleNotFoundError:
        return None
    opener = None
    if cases is not None:
        store = cases

        def opener(**kw: Any) -> str:
            return str(store.open(**kw).id)

    return BankStore(db, takedowns=TakedownRunner(db, policy=policy, open_case=opener))


@dataclass(slots=True, kw_only=True)
class ServiceState:
    guard: Guard
    db: Database
    settings: ServiceSettings
    keys: KeyStore
    users: UserStore
    audit: AuditTrail
    limiter: RateLimiter
    signer: SessionSigner
    vault: ReviewVault
    metrics: Metrics
    cases: Any | None = None
    banks: Any | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def after_decision(self, decision: Decision, images: Sequence[Image]) -> str | None:
        """Bookkeeping after a decision: metrics, the review case, the images kept for review.

        Never changes the decision; failures are logged (without content) and the decision stands.
        Returns the id of the case for this decision, if there is one.
        """
        self.metrics.observe_decision(decision)
        if decision.action < Action.REVIEW:
            return None
        record = decision.to_dict()
        case_id: str | None = None
        kind = CASE_KINDS.get(decision.action)
        if self.cases is not None and kind is not None:
            try:
                existing = self.cases.for_decision(decision.decision_id)
                case = existing[0] if existing else self.cases.open(
                    kind=kind, reason="; ".join(decision.rule_ids) or decision.action.label,
                    country=decision.actor.country, actor_id=decision.actor.user_id,
                    decision_id=decision.decision_id,
                    subject={"stage": decision.stage.value, "rules": list(decision.rule_ids),
                             "image_sha256": list(decision.image_sha256)})
                case_id = str(case.id)
            except GardeError as e:
                log.warning("could not open a case for decision %s: %s", decision.decision_id, e.code)
        if self.settings.keep_review_images and images and not involves_minor(record):
            try:
                self.vault.keep(decision.decision_id, images)
            except GardeError as e:
                log.warning("could not keep review images for decision %s: %s", decision.decision_id, e.code)
        return case_id
