"""Hash banks: PDQ and exact hashes, banks with provenance and quarantine, matching, retroactive takedown.

See ``docs/hashing.md``. The guard loads :func:`garde.hashing.analyzer.default_analyzer`.
"""

from __future__ import annotations

from garde.hashing.banks import BANK_KINDS, AddResult, Bank, BankStore, Entry, NewHash
from garde.hashing.index import BruteForceIndex, HashIndex, MultiIndexHashIndex, build_index
from garde.hashing.matcher import Match, Matcher
from garde.hashing.pdq import ImageHashes, hash_bytes
from garde.hashing.victims import add_victim_hash

__all__ = [
    "BANK_KINDS",
    "AddResult",
    "Bank",
    "BankStore",
    "BruteForceIndex",
    "Entry",
    "HashIndex",
    "ImageHashes",
    "Match",
    "Matcher",
    "MultiIndexHashIndex",
    "NewHash",
    "add_victim_hash",
    "build_index",
    "hash_bytes",
]
