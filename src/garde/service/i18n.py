"""The console's words, in English and French."""

from __future__ import annotations

__all__ = ["LANGS", "pick_lang", "translator"]

from collections.abc import Callable

LANGS = ("en", "fr")

_T: dict[str, dict[str, str]] = {
    "title": {"en": "garde review console", "fr": "console de modération garde"},
    "login": {"en": "Sign in", "fr": "Se connecter"},
    "logout": {"en": "Sign out", "fr": "Se déconnecter"},
    "username": {"en": "User name", "fr": "Identifiant"},
    "password": {"en": "Password", "fr": "Mot de passe"},
    "bad_login": {"en": "Wrong user name or password.", "fr": "Identifiant ou mot de passe incorrect."},
    "queue": {"en": "Review queue", "fr": "File de modération"},
    "all_cases": {"en": "All cases", "fr": "Tous les dossiers"},
    "no_cases": {"en": "Nothing to review.", "fr": "Rien à examiner."},
    "case": {"en": "Case", "fr": "Dossier"},
    "kind": {"en": "Kind", "fr": "Type"},
    "state": {"en": "State", "fr": "État"},
    "reason": {"en": "Reason", "fr": "Motif"},
    "country": {"en": "Country", "fr": "Pays"},
    "actor": {"en": "Actor", "fr": "Utilisateur"},
    "due": {"en": "Due", "fr": "Échéance"},
    "created": {"en": "Created", "fr": "Créé"},
    "open": {"en": "Open", "fr": "Ouvrir"},
    "decision": {"en": "Decision", "fr": "Décision"},
    "rules": {"en": "Rules", "fr": "Règles"},
    "reasons": {"en": "Reasons", "fr": "Raisons"},
    "signals": {"en": "Signals", "fr": "Signaux"},
    "signal": {"en": "Signal", "fr": "Signal"},
    "score": {"en": "Score", "fr": "Score"},
    "source": {"en": "Source", "fr": "Source"},
    "subject": {"en": "Subject", "fr": "Objet"},
    "legal": {"en": "Legal sources", "fr": "Sources juridiques"},
    "analyzer_errors": {"en": "Analyser failures", "fr": "Défaillances d'analyseurs"},
    "policy": {"en": "Policy", "fr": "Politique"},
    "images": {"en": "Images", "fr": "Images"},
    "reveal": {"en": "Reveal image", "fr": "Afficher l'image"},
    "reveal_note": {"en": "Images are blurred. Revealing one is logged with your name.",
                    "fr": "Les images sont floutées. Chaque affichage est journalisé à votre nom."},
    "minor_hidden": {"en": "Not shown: this decision involves an apparent minor. Hash only.",
                     "fr": "Non affichée : cette décision concerne un mineur apparent. Empreinte seulement."},
    "not_kept": {"en": "Image not kept (expired or never stored). Hash only.",
                 "fr": "Image non conservée (expirée ou jamais stockée). Empreinte seulement."},
    "actions": {"en": "Actions", "fr": "Actions"},
    "confirm": {"en": "Confirm", "fr": "Confirmer"},
    "overturn": {"en": "Overturn", "fr": "Annuler la décision"},
    "escalate": {"en": "Escalate to report", "fr": "Signaler aux autorités"},
    "note": {"en": "Note (optional)", "fr": "Note (facultative)"},
    "history": {"en": "History", "fr": "Historique"},
    "by": {"en": "By", "fr": "Par"},
    "at": {"en": "At", "fr": "Le"},
    "done": {"en": "Done", "fr": "Fait"},
    "back": {"en": "Back to the queue", "fr": "Retour à la file"},
    "shortcuts": {"en": "Keyboard shortcuts", "fr": "Raccourcis clavier"},
    "sc_nav": {"en": "j / k: next / previous case, Enter: open",
               "fr": "j / k : dossier suivant / précédent, Entrée : ouvrir"},
    "sc_case": {"en": "v: reveal, c: confirm, x: overturn, e: escalate, u: back, ?: help",
                "fr": "v : afficher, c : confirmer, x : annuler, e : signaler, u : retour, ? : aide"},
    "no_decision": {"en": "The decision is not in the log.", "fr": "La décision est absente du journal."},
    "read_only": {"en": "Your role can view cases but not act on them.",
                  "fr": "Votre rôle permet de consulter les dossiers, pas d'agir."},
    "error": {"en": "Error", "fr": "Erreur"},
    "cases_off": {"en": "Case management (garde.enforce) is not installed.",
                  "fr": "La gestion des dossiers (garde.enforce) n'est pas installée."},
    "language": {"en": "Français", "fr": "English"},
    "state_open": {"en": "open", "fr": "ouvert"},
    "state_in_review": {"en": "in review", "fr": "en cours"},
    "state_actioned": {"en": "actioned", "fr": "traité"},
    "state_reported": {"en": "reported", "fr": "signalé"},
    "state_closed": {"en": "closed", "fr": "clos"},
    "strikes": {"en": "Other cases of this actor", "fr": "Autres dossiers de cet utilisateur"},
    "hashes": {"en": "Hash quarantine", "fr": "Quarantaine des empreintes"},
    "hashes_off": {"en": "Hash banks (garde.hashing) are not installed.",
                   "fr": "Les banques d'empreintes (garde.hashing) ne sont pas installées."},
    "hashes_note": {"en": "Entries of large unreviewed batches wait here: until confirmed, their matches only "
                          "send outputs to review. Confirming activates the entry and takes down earlier "
                          "matching outputs; rejecting deletes it. Hashes only, never images.",
                    "fr": "Les entrées des gros lots non vérifiés attendent ici : tant qu'elles ne sont pas "
                          "confirmées, leurs correspondances envoient seulement en modération. Confirmer active "
                          "l'entrée et retire les sorties antérieures correspondantes ; rejeter la supprime. "
                          "Des empreintes seulement, jamais d'images."},
    "banks": {"en": "Banks", "fr": "Banques"},
    "bank": {"en": "Bank", "fr": "Banque"},
    "threshold": {"en": "PDQ threshold", "fr": "Seuil PDQ"},
    "entries": {"en": "Entries", "fr": "Entrées"},
    "active": {"en": "Active", "fr": "Actives"},
    "quarantined": {"en": "Quarantined", "fr": "En quarantaine"},
    "enabled": {"en": "enabled", "fr": "activée"},
    "disabled": {"en": "disabled", "fr": "désactivée"},
    "no_banks": {"en": "No hash bank yet.", "fr": "Aucune banque d'empreintes."},
    "quarantined_entries": {"en": "Quarantined entries (newest first)",
                            "fr": "Entrées en quarantaine (les plus récentes d'abord)"},
    "all_banks": {"en": "all banks", "fr": "toutes les banques"},
    "entry": {"en": "Entry", "fr": "Entrée"},
    "hash": {"en": "Hash", "fr": "Empreinte"},
    "tags": {"en": "Tags", "fr": "Étiquettes"},
    "added": {"en": "Added", "fr": "Ajoutée"},
    "batch": {"en": "batch", "fr": "lot"},
    "hash_confirm": {"en": "Confirm", "fr": "Confirmer"},
    "hash_reject": {"en": "Reject", "fr": "Rejeter"},
    "hash_confirmed": {"en": "entry confirmed (now active)", "fr": "entrée confirmée (désormais active)"},
    "hash_rejected": {"en": "entry rejected (deleted)", "fr": "entrée rejetée (supprimée)"},
    "reject_ask": {"en": "Delete this hash entry?", "fr": "Supprimer cette entrée ?"},
    "quarantined_batches": {"en": "Quarantined batches", "fr": "Lots en quarantaine"},
    "batch_confirm": {"en": "Confirm the batch", "fr": "Confirmer le lot"},
    "batch_reject": {"en": "Reject the batch", "fr": "Rejeter le lot"},
    "batch_confirm_ask": {"en": "Confirm every quarantined entry of this batch? Each runs its retroactive takedown.",
                          "fr": "Confirmer toutes les entrées en quarantaine de ce lot ? Chacune lance son "
                                "retrait rétroactif."},
    "batch_reject_ask": {"en": "Delete every quarantined entry of this batch?",
                         "fr": "Supprimer toutes les entrées en quarantaine de ce lot ?"},
    "batch_confirmed": {"en": "batch confirmed (entries now active)", "fr": "lot confirmé (entrées désormais actives)"},
    "batch_rejected": {"en": "batch rejected (entries deleted)", "fr": "lot rejeté (entrées supprimées)"},
    "takedowns_opened": {"en": "takedown cases opened", "fr": "dossiers de retrait ouverts"},
    "no_quarantined": {"en": "Nothing in quarantine.", "fr": "Rien en quarantaine."},
    "hashes_read_only": {"en": "Your role can view the quarantine but not confirm or reject entries.",
                         "fr": "Votre rôle permet de consulter la quarantaine, pas de confirmer ni de rejeter."},
    "previous": {"en": "Previous", "fr": "Précédente"},
    "next": {"en": "Next", "fr": "Suivante"},
    "page": {"en": "Page", "fr": "Page"},
    "sc_hashes": {"en": "j / k: next / previous entry, c: confirm, x: reject, n / p: next / previous page, "
                        "u: back to the queue",
                  "fr": "j / k : entrée suivante / précédente, c : confirmer, x : rejeter, "
                        "n / p : page suivante / précédente, u : retour à la file"},
}


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        row = _T.get(key)
        if row is None:
            return key
        return row.get(lang) or row["en"]

    return t


def pick_lang(query: str | None, cookie: str | None, accept: str | None, user_lang: str | None = None) -> str:
    for cand in (query, cookie, user_lang):
        if cand in LANGS:
            return cand
    for part in (accept or "").split(","):
        base = part.split(";")[0].strip().split("-")[0].lower()
        if base in LANGS:
            return base
    return "en"
