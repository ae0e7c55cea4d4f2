"""Banks on SQLite and the real PostgreSQL: provenance, quarantine, negative entries, enable/disable."""

from __future__ import annotations

import pytest
from PIL import Image as PILImage
from tests.hashing.conftest import synthetic, to_bytes

from garde.errors import InputError, NotFound
from garde.hashing.banks import BankStore, NewHash
from garde.hashing.matcher import Matcher
from garde.hashing.pdq import hash_bytes
from garde.store import Database


def _store(db: Database) -> BankStore:
    return BankStore(db)


def _q(im: PILImage.Image, **kw: object) -> object:
    return hash_bytes(to_bytes(im, "JPEG", quality=60), dihedral=True)


def test_create_and_validate_banks(db: Database) -> None:
    s = _store(db)
    b = s.create_bank("victims", "victim_submitted")
    assert (b.threshold, b.quality_floor, b.enabled) == (31, 50, True)
    with pytest.raises(InputError, match="'victims'"):
        s.create_bank("victims", "victim_submitted")
    with pytest.raises(InputError, match="'csam_maybe'"):
        s.create_bank("x", "csam_maybe")
    with pytest.raises(InputError, match="300"):
        s.create_bank("y", "protected", threshold=300)
    with pytest.raises(NotFound, match="'nope'"):
        s.bank("nope")
    assert [x.name for x in s.banks()] == ["victims"]


def test_add_image_match_variants_and_provenance(db: Database) -> None:
    s = _store(db)
    s.create_bank("victims", "victim_submitted")
    im = synthetic(11)
    res = s.add_images("victims", [(to_bytes(im), "mine.png")], submitted_by="ngo:alice", takedown=False)
    assert len(res.added) == 2 and not res.quarantined
    pdq = next(e for e in res.added if e.hash_type == "pdq")
    assert pdq.submitted_by == "ngo:alice" and not pdq.reviewed and pdq.state == "active"
    assert set(pdq.variants) == {"crop2.5", "crop5", "crop7.5", "crop10"}
    m = Matcher(s.snapshot())
    for variant in (im, im.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT), im.transpose(PILImage.Transpose.ROTATE_90),
                    im.crop((16, 12, 304, 228))):
        got = m.match(hash_bytes(to_bytes(variant, "JPEG", quality=60)))
        assert [x.entry_id for x in got] == [pdq.id], variant.size
        assert got[0].bank_kind == "victim_submitted" and got[0].distance <= 31
    exact = m.match(hash_bytes(to_bytes(im)))
    assert {x.hash_type for x in exact} == {"pdq", "sha256"}
    assert m.match(hash_bytes(to_bytes(synthetic(12)))) == []
    # re-adding the same image only counts duplicates
    again = s.add_images("victims", [(to_bytes(im), "mine.png")], submitted_by="ngo:alice", takedown=False)
    assert (len(again.added), again.duplicates) == (0, 2)


def test_low_quality_images_are_refused(db: Database) -> None:
    s = _store(db)
    s.create_bank("p", "protected")
    with pytest.raises(InputError, match="quality"):
        s.add_images("p", [(to_bytes(PILImage.new("RGB", (100, 100), "white")), "white.png")], submitted_by="x")
    res = s.add("p", [NewHash(hash_type="pdq", hash="ab" * 32, quality=10)], submitted_by="x")
    assert res.low_quality == 1 and not res.added


def test_bulk_unreviewed_is_quarantined_until_confirmed(db: Database) -> None:
    s = _store(db)
    s.create_bank("stopncii", "victim_submitted", quarantine_over=3)
    ims = [synthetic(100 + i) for i in range(4)]
    hs = [NewHash(hash_type="pdq", hash=hash_bytes(to_bytes(i)).pdq, quality=100) for i in ims]
    res = s.add("stopncii", hs, submitted_by="feed:stopncii")
    assert res.quarantined and all(e.state == "quarantined" for e in res.added)
    m = Matcher(s.snapshot())
    got = m.match(hash_bytes(to_bytes(ims[0])))
    assert [x.state for x in got] == ["quarantined"]
    e, _ = s.confirm(got[0].entry_id, by="mod:bob")
    assert (e.state, e.reviewed, e.reviewed_by) == ("active", True, "mod:bob")
    assert [x.state for x in Matcher(s.snapshot()).match(hash_bytes(to_bytes(ims[0])))] == ["active"]
    # the same batch reviewed goes straight in; small unreviewed batches too
    s.create_bank("small", "protected", quarantine_over=3)
    assert not s.add("small", hs[:3], submitted_by="x").quarantined
    s.create_bank("rev", "protected", quarantine_over=3)
    assert not s.add("rev", hs, submitted_by="x", reviewed=True).quarantined


def test_negative_entry_suppresses_match_of_same_image(db: Database) -> None:
    s = _store(db)
    s.create_bank("victims", "victim_submitted")
    s.create_bank("fp", "negative")
    im = synthetic(21)
    s.add_images("victims", [(to_bytes(im), "v.png")], submitted_by="x", takedown=False)
    q = hash_bytes(to_bytes(im, "JPEG", quality=60))
    assert len(Matcher(s.snapshot()).match(q)) == 1
    s.add("fp", [NewHash(hash_type="pdq", hash=q.pdq, quality=q.quality)], submitted_by="mod:bob", reviewed=True)
    m = Matcher(s.snapshot())
    assert m.match(q) == []
    every = m.match_all(q)
    assert any(x.suppressed_by for x in every if x.bank == "victims")
    # other images still match
    other = synthetic(22)
    s.add_images("victims", [(to_bytes(other), "o.png")], submitted_by="x", takedown=False)
    assert len(Matcher(s.snapshot()).match(hash_bytes(to_bytes(other, "JPEG", quality=60)))) == 1


def test_disable_bank_and_generation(db: Database) -> None:
    s = _store(db)
    g0 = s.generation()
    s.create_bank("ka", "known_abuse")
    im = synthetic(31)
    s.add_images("ka", [(to_bytes(im), "k.png")], submitted_by="hotline", reviewed=True)
    assert s.generation() > g0
    assert Matcher(s.snapshot()).match(hash_bytes(to_bytes(im)))
    s.update_bank("ka", enabled=False)
    assert Matcher(s.snapshot()).match(hash_bytes(to_bytes(im))) == []
    s.update_bank("ka", enabled=True, threshold=0)
    assert [x.hash_type for x in Matcher(s.snapshot()).match(hash_bytes(to_bytes(im, "JPEG", quality=30)))] == []
    stats = s.stats()
    assert stats["banks"][0]["entries"] == 2 and stats["banks"][0]["by_type"]["pdq"] == 1


def test_remove_and_list_entries(db: Database) -> None:
    s = _store(db)
    s.create_bank("p", "protected")
    res = s.add("p", [NewHash(hash_type="md5", hash="a" * 32, tags=("t1",))], submitted_by="x")
    assert [e.tags for e in s.entries("p")] == [("t1",)]
    s.remove(res.added[0].id)
    assert s.entries("p") == []
    with pytest.raises(NotFound):
        s.entry(res.added[0].id)


def test_confirm_and_remove_check_the_state_they_expect(db: Database) -> None:
    """A confirm racing a reject: whichever runs second finds the state changed and does nothing."""
    s = _store(db)
    s.create_bank("feed", "victim_submitted", quarantine_over=1)
    hs = [NewHash(hash_type="md5", hash=c * 32) for c in "ab"]
    a, b = s.add("feed", hs, submitted_by="feed:x").added
    assert a.state == b.state == "quarantined"
    s.confirm(a.id, by="mod:ann", expect_state="quarantined")
    with pytest.raises(InputError, match=f"hash entry '{a.id}' is active, not quarantined; it was not removed"):
        s.remove(a.id, expect_state="quarantined")  # the reject came second: the active entry stays
    assert s.entry(a.id).state == "active"
    s.remove(b.id, expect_state="quarantined")
    with pytest.raises(NotFound, match="no hash entry"):
        s.confirm(b.id, by="mod:bob", expect_state="quarantined")
    with pytest.raises(InputError, match="is active, not quarantined; it was not confirmed"):
        s.confirm(a.id, by="mod:bob", expect_state="quarantined")
    assert s.confirm_batch(a.batch_id or "", by="mod:bob") == []  # nothing left in quarantine
