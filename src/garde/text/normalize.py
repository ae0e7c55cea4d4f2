"""Normalisation of a request's text before anything reads it.

People who want to get past a filter write ``b1k1n1``, ``b i k i n i``, ``bіkіnі``
(with Cyrillic і), ``ｂｉｋｉｎｉ``, ``bi\u200bkini``, ``biiiikini``, ``👙`` or ``lingere``.
:func:`normalize` undoes all of that and says which tricks it saw, so the
classifier and the lexical layer read the same plain words, and the tricks
themselves can be reported.

The steps, in order (each one is idempotent, and the whole is run to a fixpoint):

1. remove zero-width and invisible characters (format characters, fillers,
   variation selectors) and stray combining marks (strike-through, "zalgo");
2. regional-indicator letters (🇧🇮🇰…) to ASCII, then attire/nudity emoji to
   words (our table first, then the ``emoji`` package's names);
3. Hangul typed one letter at a time (``ㅂㅣㅋㅣㄴㅣ``) composed into syllables, then
   Unicode NFKC (fullwidth, mathematical bold, circled and superscript letters), and
   Traditional Chinese characters to Simplified (OpenCC ``t2s``) in text without Japanese kana;
4. homoglyph folding inside mixed-script words (Cyrillic/Greek letters in a
   Latin word and the reverse), using a small table for Cyrillic, Greek and
   Latin small capitals and the ``confusable_homoglyphs`` data for the rest;
5. lower case;
6. spaced-out letters (``b i k i n i``, ``b.i.k.i.n.i``, ``比 基 尼``) joined;
7. leetspeak inside words (``b1k1n1``, ``s3xy``, ``n@ked``; not ``4k`` or ``mp4``);
8. letters repeated three times or more collapsed (``biiiikini``);
9. spelling repairs from ``lexicons/typos.yaml`` (a table plus one-edit fuzzy
   repair towards a small vocabulary of sensitive words).

``Normalized.folded`` additionally strips diacritics from Latin letters, which
is what the lexicons are matched against.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Normalized", "normalize", "normalize_text", "strip_accents"]

# ---------------------------------------------------------------------------------------------
# character tables

# Cyrillic and Greek letters that look like Latin ones (case-sensitive; fold before lowering).
_TO_LATIN: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g", "ո": "n", "ս": "u",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "І": "I", "Ї": "I", "Ј": "J", "К": "K", "М": "M",
    "Н": "H", "О": "O", "Р": "P", "С": "C", "Ѕ": "S", "Т": "T", "У": "Y", "Х": "X", "Ү": "Y",
    "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Һ": "H",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "η": "n", "μ": "u", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Latin small capitals and IPA look-alikes
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ɑ": "a", "ɩ": "i",
}

# Look-alikes above that are ordinary letters of a supported language (Turkish dotless i).
_NATIVE_LATIN = frozenset("ı")

# Latin letters that look like Cyrillic ones, for a Latin letter hidden in a Cyrillic word.
_TO_CYRILLIC: dict[str, str] = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "i": "і",
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С",
    "T": "Т", "X": "Х",
}

# Emoji that stand for attire, nudity or sexual content; others get their CLDR name.
_EMOJI_WORDS: dict[str, str] = {
    "👙": "bikini", "🩱": "one-piece swimsuit", "🩲": "underwear briefs", "🩳": "shorts",
    "👅": "tongue licking", "🍑": "butt", "🍆": "penis", "💦": "wet", "🥵": "hot",
    "🔥": "hot", "🫦": "seductive lips", "👄": "lips", "💋": "kiss", "🔞": "adult only explicit",
    "👗": "dress", "👘": "kimono", "🥻": "sari", "👚": "blouse", "👕": "t-shirt", "👖": "jeans",
    "🧥": "coat", "👔": "shirt and tie", "🧦": "socks", "👠": "high heels", "👡": "sandals",
    "👢": "boots", "🩴": "flip-flops", "👒": "hat", "🎩": "top hat", "🧣": "scarf", "🧤": "gloves",
    "🍒": "cherries breasts", "🍈": "breasts", "🥥": "breasts", "🍌": "penis", "😈": "naughty",
    "😏": "flirty", "😘": "kiss", "😍": "", "🤤": "drooling", "👀": "", "🙈": "", "🛁": "bath",
    "🚿": "shower", "🛏": "bed", "🛏️": "bed", "🏖": "beach", "🏖️": "beach", "🏝": "beach",
    "🏝️": "beach", "🌊": "sea", "🩸": "blood", "🤰": "pregnant", "🧒": "child", "👶": "baby",
    "👧": "girl child", "👦": "boy child", "🧸": "teddy bear", "🎒": "school bag", "🏫": "school",
    "🙏": "please", "🚫": "no", "❌": "no", "➡": "to", "➡️": "to", "✂": "cut", "✂️": "cut",
}
# Any other emoji is dropped. Its CLDR name was kept once, and read as words: "🙏" is "folded
# hands", and "folded" says a garment is folded on a table, nobody wearing it (a bikini request
# with 🙏 was allowed); "😊" added "smiling face with smiling eyes" to what the encoder read.

_ZERO_WIDTH_EXTRA = {
    "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u17b5", "\u180e",
    "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\ufeff", "\u00ad", "\u200b", "\u200c",
    "\u200d", "\u200e", "\u200f",
}

_COMBINING_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                     (0xFE20, 0xFE2F))

_LEET: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a",
                         "$": "s", "!": "i", "€": "e"}

_WORD_RE = re.compile(r"[\w@$!€|'’-]+", re.UNICODE)
#: Combining marks that belong to the letter before them but that \w leaves out (Latin diacritics, Arabic
#: harakat, Devanagari vowel signs and anusvara): a regex character-class body, shared with the lexicon.
WORD_MARKS = "\u0300-\u036f\u064b-\u065f\u0670\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
_SPACELESS_CHARS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3"  # kana, CJK, Hangul: one syllable can be a word
_SPACELESS = re.compile("[" + _SPACELESS_CHARS + "]")
_CYRILLIC = re.compile("[\u0400-\u04ff]+")  # fullmatch: a word all in Cyrillic letters
_HANGUL = re.compile("[\uac00-\ud7a3]+")  # fullmatch: Hangul syllables only
# single letters separated by separators: "b i k i n i", "b.i.k.i.n.i", "b . i . k", "b_i_k_i_n_i_"; a letter
# may carry its combining marks ("बि*कि*नी", "क . प . ड़े"), and the last one a suffix written solid
# ("b i k i n iyle", "م ل ا ب سها"; not in CJK or Hangul, where single syllables are words)
_UNIT = r"(?:[^\W_][" + WORD_MARKS + r"]*|[@$])"
_NEXT_UNIT = r"(?:[^\W_][" + WORD_MARKS + r"]*|[@$!])"  # "!" may stand for "i" after the first letter
_SPACED_RE = re.compile(
    r"(?<![^\W_])(?<![" + WORD_MARKS + r"])(?<![@$])" + _UNIT
    + r"(?:(?P<sep>[ .\-_*·•/|~+]{1,3})" + _NEXT_UNIT + r"){2,}"
    r"(?P<tail>[^\W\d_" + _SPACELESS_CHARS + r"](?:[^\W_]|[" + WORD_MARKS + r"])*)?"
    r"(?![^\W_]|[@$])")
_RUN_RE = re.compile(r"([^\W\d_])\1{2,}")
_SPACES_RE = re.compile(r"\s+")


def _is_combining_noise(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _COMBINING_RANGES)


def _script(ch: str) -> str:
    """'latin' | 'cyrillic' | 'greek' | 'other' for a letter."""
    if ch.isascii():
        return "latin" if ch.isalpha() else "other"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "other"
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    if name.startswith("GREEK"):
        return "greek"
    return "other"


@functools.lru_cache(maxsize=1)
def _confusable_to_latin() -> dict[str, str]:
    """Single characters that ``confusable_homoglyphs`` says look like one ASCII letter."""
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    try:
        data: dict[str, list[dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))
    except OSError:  # pragma: no cover - the package always ships its data
        return {}
    out: dict[str, str] = {}
    for ch, glyphs in data.items():
        if len(ch) != 1 or ch.isascii() or not ch.isalpha():
            continue
        for g in glyphs:
            c = g.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                out[ch] = c
                break
    out.update(_TO_LATIN)
    return out


@dataclass(frozen=True, slots=True)
class _TypoData:
    fixes: dict[str, str]
    vocab: frozenset[str]
    deletes: dict[str, str]  # one-deletion variant of a vocab word -> the word
    subs: dict[str, str]  # a vocab word with one letter (not the first) as "?" -> the word
    protect: frozenset[str]  # real words one edit from a vocab word, never repaired
    scripts: frozenset[str] = frozenset()  # sensitive words in Cyrillic, Greek, Arabic, Devanagari (3+ chars)
    # what a leetspeak token may decode to: the vocabulary plus every Latin-script word (4+ letters) of the
    # attire, nudity and removal lexicons ("baju", "kleren", "spoglia") and the one-word minor terms ("schulerin")
    leet: frozenset[str] = frozenset()
    garment_words: frozenset[str] = frozenset()  # the one-word attire terms of 6+ letters ("bikini", "lingerie")
    # sensitive terms in scripts other than Latin, without their spaces: what letters spelled out one by
    # one may join into ("比 . 基 . 尼", "란 제 리", "क प ड़े")
    spelled: frozenset[str] = frozenset()
    spelled_phrases: dict[str, str] = field(default_factory=dict)  # such a term of two words -> it with its space
    spelled_minor: frozenset[str] = frozenset()  # those of them that only minor.yaml lists (see _join_spelled)
    script_deletes: dict[str, str] = field(default_factory=dict)  # a script term less one letter -> the term
    script_long: frozenset[str] = frozenset()  # the terms behind script_deletes (one word, 7+ letters)
    minor_words: frozenset[str] = frozenset()  # minor.yaml words (Latin, 4+ letters) among the leet targets
    # what a Cyrillic request spelled out letter by letter is cut around (_segment): the one-word script terms
    # of the attire and nudity lexicons and the one-word Cyrillic minor terms (4+ letters)
    cyrillic: frozenset[str] = frozenset()
    cyrillic_minor: frozenset[str] = frozenset()


def load_yaml(text: str) -> Any:
    """YAML safe-load with libyaml's C parser when PyYAML has it (the lexicons load in 0.05 s instead of 1 s)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.lru_cache(maxsize=1)
def _typo_data() -> _TypoData:
    text = resources.files("garde.text").joinpath("lexicons/typos.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text) or {}
    fixes = {str(k).lower(): str(v).lower() for k, v in (raw.get("fixes") or {}).items()}
    vocab = frozenset(str(w).lower() for w in (raw.get("vocab") or []))
    vocab = vocab | frozenset(v for v in fixes.values() if v.isalpha())
    protect = frozenset(str(w).lower() for w in (raw.get("protect") or []))
    # real words of the Latin-script languages one edit from the vocabulary (scripts/make_typo_protect.py)
    listed = resources.files("garde.text").joinpath("lexicons/protect.txt")
    if listed.is_file():
        protect |= frozenset(w.strip() for w in listed.read_text(encoding="utf-8").splitlines()
                             if w.strip() and not w.startswith("#"))
    # plus the single Latin-script words of the attire and nudity lexicons (6+ letters), the words
    # (6+ letters) of their multi-word terms, and the garments of removal.yaml (5+ letters)
    fuzzy: set[str] = set()
    scripts: set[str] = set()
    script_terms: set[str] = set()  # one-word terms (not the words of a phrase, "только" of "только в белье")
    leet: set[str] = set()
    garment_words: set[str] = set()
    @functools.cache
    def lexicon(name: str) -> dict[str, Any]:  # each file parsed once, however many sections are read
        loaded: dict[str, Any] = load_yaml(
            resources.files("garde.text").joinpath(f"lexicons/{name}").read_text(encoding="utf-8"))
        return loaded

    def folded_terms(name: str, section: str) -> Iterator[str]:
        """The terms of one section of a lexicon file, every language, lower case without accents or "$"."""
        for items in (lexicon(name).get(section) or {}).values():
            for term in items or []:
                yield strip_accents(str(term).lower().rstrip("$"))

    for name, section, min_len in (("attire.yaml", "terms", 6), ("nudity.yaml", "terms", 6),
                                   ("removal.yaml", "garments", 5), ("removal.yaml", "verbs", 99)):
        for t in folded_terms(name, section):
            leet.update(x for x in t.split() if len(x) >= 4 and x.isascii() and x.isalpha())
            if " " not in t and len(t) >= 6 and not t.isascii() and not _SPACELESS.search(t):
                script_terms.add(t)
            if name == "attire.yaml" and " " not in t and len(t) >= 6 and t.isascii() and t.isalpha():
                garment_words.add(t)
            for w in ([t] if " " not in t else [x for x in t.split() if len(x) >= 6]):
                if len(w) >= min_len and w.isascii() and w.isalpha():
                    fuzzy.add(w)
                elif len(w) >= 3 and not w.isascii() and not _SPACELESS.search(w):
                    scripts.add(w)
    spelled: set[str] = set()
    spelled_phrases: dict[str, str] = {}
    for name, section in (("evidence.yaml", "sheer"), ("sexualize.yaml", "terms"), ("attire.yaml", "terms"),
                          ("nudity.yaml", "terms"), ("removal.yaml", "garments")):
        for t in folded_terms(name, section):
            if name in ("evidence.yaml", "sexualize.yaml"):
                leet.update(x for x in t.split() if len(x) >= 3 and x.isascii() and x.isalpha())
            flat = t.replace(" ", "")
            if not flat.isascii() and len(flat) >= (2 if _SPACELESS.search(flat) else 3):
                spelled.add(flat)
                if " " in t and not _SPACELESS.search(flat):
                    spelled_phrases.setdefault(flat, t)
    # minor words too (4+ letters, Latin script): "c0rk3", "k1nd" and a request spelled out letter by letter
    # ("g ö r e l e v e n n a k e n") name a child only once the word is read. The Korean minor terms join too
    # ("초 딩" -> "초딩": _join_spaced reads each Hangul syllable as a word of its own); Chinese and Japanese letters,
    # Cyrillic and Arabic words are joined whole by _join_spaced, where the Cyrillic minor words cut a request spelled
    # out letter by letter ("с д е л а й д о ч к у" -> "сделай дочку", _segment)
    minor_words: set[str] = set()
    cyrillic_minor: set[str] = set()
    sexual_spelled = frozenset(spelled)
    for t in folded_terms("minor.yaml", "terms"):
        if " " not in t and len(t) >= 4 and t.isalpha():
            if t.isascii():
                minor_words.add(t)
            elif _CYRILLIC.fullmatch(t):
                cyrillic_minor.add(t)
        flat = t.replace(" ", "")
        if len(flat) >= 2 and _HANGUL.fullmatch(flat):
            spelled.add(flat)
    minor_words -= leet
    leet |= minor_words
    cyrillic = frozenset(t for t in script_terms if _CYRILLIC.fullmatch(t)) | cyrillic_minor
    vocab = vocab | frozenset(fuzzy)
    script_deletes: dict[str, str] = {}
    script_long = frozenset(w for w in script_terms if len(w) >= 7)
    for w in sorted(script_long):  # not the last letter: many terms are stems ("футболк" is not "футбол")
        for i in range(len(w) - 1):
            script_deletes.setdefault(w[:i] + w[i + 1:], w)
    deletes: dict[str, str] = {}
    subs: dict[str, str] = {}
    for w in sorted(vocab):
        if len(w) < 5:
            continue
        for i in range(len(w)):
            if len(w) >= 6:
                deletes.setdefault(w[:i] + w[i + 1:], w)
            if i > 0:  # one substituted letter (not the first): keyed with a wildcard
                subs.setdefault(w[:i] + "?" + w[i + 1:], w)
    return _TypoData(fixes=fixes, vocab=vocab, deletes=deletes, subs=subs, protect=protect,
                     scripts=frozenset(scripts), leet=frozenset(leet) | vocab, script_deletes=script_deletes,
                     script_long=script_long,
                     spelled=frozenset(spelled), spelled_phrases=spelled_phrases,
                     spelled_minor=frozenset(spelled) - sexual_spelled,
                     garment_words=frozenset(garment_words),
                     minor_words=frozenset(minor_words), cyrillic=cyrillic,
                     cyrillic_minor=frozenset(cyrillic_minor))


def strip_accents(text: str) -> str:
    """Remove diacritics from Latin letters (``déshabille`` → ``deshabille``); others untouched, except that
    Arabic alef maqsura is read as ya (Egyptian spelling writes a final ي as ى: ``بكينى`` is ``بكيني``)."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if ch.isascii() or _script(ch) != "latin":
            out.append(ch)
            continue
        base = unicodedata.normalize("NFD", ch)
        kept = "".join(c for c in base if not unicodedata.combining(c))
        out.append(unicodedata.normalize("NFC", kept) or ch)
    return "".join(out).replace("ß", "ss").replace("\u0649", "\u064a")


# ---------------------------------------------------------------------------------------------
# the steps


_TATWEEL_GAP = re.compile("\u0640[ \u00a0]+\u0640")


def _remove_invisible(text: str, tricks: set[str]) -> str:
    if text.isascii():
        return text
    if "\u0640" in text:  # "لانجـ ـري": a word stretched across a space with tatweel on both sides is one word
        text = _TATWEEL_GAP.sub("", text)
    out: list[str] = []
    for ch in text:
        if ch in _ZERO_WIDTH_EXTRA or (unicodedata.category(ch) == "Cf" and not _is_emoji_joiner(ch)):
            tricks.add("zero_width")
            continue
        if "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef":
            continue  # variation selectors: meaningless for us
        if ch == "\u0640":  # Arabic tatweel stretches a letter ("سـكـسـي"): no letter of its own
            tricks.add("repeat")
            continue
        if _is_combining_noise(ch) and (not out or out[-1].isascii() or not out[-1].isalpha()):
            # a combining mark NFC could not compose onto an ASCII letter: strike-through, zalgo
            tricks.add("combining")
            continue
        out.append(ch)
    return "".join(out)


def _is_emoji_joiner(ch: str) -> bool:
    return False


def _regional_indicators(text: str, tricks: set[str]) -> str:
    if not any("\U0001f1e6" <= c <= "\U0001f1ff" for c in text):
        return text
    tricks.add("emoji")
    return "".join(chr(ord("a") + ord(c) - 0x1F1E6) if "\U0001f1e6" <= c <= "\U0001f1ff" else c
                   for c in text)


_SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")
_MAYBE_EMOJI_RE = re.compile("[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u2bff\u3030\u303d\u3297\u3299"
                             "\U0001f000-\U0001faff]")


def _emoji_to_words(text: str, tricks: set[str]) -> str:
    if not _MAYBE_EMOJI_RE.search(text):
        return text
    import emoji

    if not emoji.emoji_count(text):
        return text
    out: list[str] = []
    last = 0
    for m in emoji.emoji_list(text):
        start, end, e = int(m["match_start"]), int(m["match_end"]), str(m["emoji"])
        out.append(text[last:start])
        word = _EMOJI_WORDS.get(e)
        if word is None:
            word = _EMOJI_WORDS.get(e.replace("\ufe0f", ""))
        if word is None:
            word = _EMOJI_WORDS.get(_SKIN_TONE.sub("", e))  # "🙏🏽" is "🙏"
        if word is None:
            word = ""
        elif word not in ("please", "no", "to"):
            tricks.add("emoji")
        out.append(f" {word} " if word else " ")
        last = end
    out.append(text[last:])
    return "".join(out)


def _fold_homoglyphs(text: str, tricks: set[str]) -> str:
    if text.isascii():
        return text
    table = _confusable_to_latin()

    def strong(c: str) -> str:
        """The script a letter surely belongs to, or 'other' when it has a look-alike elsewhere."""
        s = _script(c)
        if s == "latin" and c in _TO_CYRILLIC:
            return "other"
        if s in ("cyrillic", "greek") and c in table:
            return "other"
        return s

    counts = {"latin": 0, "cyrillic": 0, "greek": 0, "other": 0}
    raw = {"latin": 0, "cyrillic": 0, "greek": 0, "other": 0}
    for ch in text:
        if ch.isalpha():
            counts[strong(ch)] += 1
            raw[_script(ch)] += 1
    dominant = max(("latin", "cyrillic", "greek"), key=lambda s: (counts[s], raw[s]))

    def fold(m: re.Match[str]) -> str:
        tok = m.group(0)
        scripts = {_script(c) for c in tok if c.isalpha()}
        scripts.discard("other")
        if not scripts:
            return tok
        if len(scripts) == 1:
            (only,) = scripts
            # a whole word spelled in look-alikes inside Latin text ("put her in a ΒΙΚΙΝΙ"); a Greek one of two
            # letters too ("κlä αν kvinnan"), not a Cyrillic one (Russian "её", "на" in code-mixed requests)
            shortest = 2 if only == "greek" else 3
            if (only != "latin" and dominant == "latin" and counts["latin"] > counts[only]
                    and all((not c.isalpha()) or c in table for c in tok) and len(tok) >= shortest):
                tricks.add("homoglyph")
                return "".join(table.get(c, c) for c in tok)
            # Latin small capitals and other Latin look-alikes are folded wherever they are
            if only == "latin" and any(c in _TO_LATIN for c in tok):
                if any(c in _TO_LATIN and c not in _NATIVE_LATIN for c in tok):
                    tricks.add("homoglyph")  # Turkish "ı" is folded but is no trick: it is a letter there
                return "".join(_TO_LATIN.get(c, c) for c in tok)
            return tok
        per = {s: sum(1 for c in tok if c.isalpha() and strong(c) == s) for s in scripts}
        target = max(sorted(per), key=lambda s: (per[s], s == dominant)) if any(per.values()) else dominant
        tricks.add("homoglyph")
        if target == "cyrillic":
            return "".join(_TO_CYRILLIC.get(c, c) for c in tok)
        if target == "latin":
            return "".join(table.get(c, c) if _script(c) != "latin" or c in _TO_LATIN else c
                           for c in tok)
        return tok

    return _WORD_RE.sub(fold, text)


_ONE_LETTER_WORDS = frozenset({"a", "i", "y", "o", "e", "à", "u"})
_SEP_SPLIT = re.compile(r"([ .\-_*·•/|~+]+)")
_SYLLABIC = re.compile("[" + WORD_MARKS + "\uac00-\ud7a3]")


def _wide_gap(sep: str) -> bool:
    """Two spaces, or a space between two separators ("_ _", ". ."): a gap between words, not letters."""
    return "  " in sep or re.search(r"\S\s+\S", sep) is not None


def _word_gap(sep: str, left: str, right: str) -> bool:
    """Does this separator end a spaced-out word? A wide gap (_wide_gap), or a bare space next to a syllable that
    is a word on its own (Hindi "के", Korean "더")."""
    if _wide_gap(sep):
        return True
    return sep.isspace() and bool(_SYLLABIC.search(left) or _SYLLABIC.search(right))


# letters of a script other than Latin, each with its marks, separated by spacing characters: "比 . 基 . 尼"
_SCRIPT_UNIT = r"[^\W\d_a-zA-Z\u00c0-\u024f][" + WORD_MARKS + r"\u093c]*"
_SPELLED_RE = re.compile(_SCRIPT_UNIT + r"(?:[ .\-_*·•/|~+]{1,3}" + _SCRIPT_UNIT + r")+")
_UNIT_RE = re.compile(_SCRIPT_UNIT)


def _join_spelled(text: str, tricks: set[str]) -> str:
    """Letters of Chinese, Japanese, Korean, Devanagari, Arabic or Cyrillic spelled out one by one, joined
    where they make a sensitive term ("比 . 基 . 尼" -> "比基尼", "란 제 리", "क क प ड़े" -> "क कपड़े"). In
    these scripts a syllable can be a word, so only the letters that spell such a term are joined. Korean minor
    words join too ("초 딩 벗 겨 줘" -> "초딩 벗겨 줘"), where the whole run is spelled out."""
    if text.isascii():
        return text
    data = _typo_data()
    spelled = data.spelled

    def join_run(run: str, alone: bool) -> str:
        """``alone``: the run is three letters or more with no letter glued on either side (a minor term joins
        only then: "초 딩 벗 겨 줘", not "좋아 이번엔", where "아 이" would spell "아이")."""
        units = list(_UNIT_RE.finditer(run))
        chars = "".join(u.group(0) for u in units)
        owner = [k for k, u in enumerate(units) for _ in u.group(0)]  # the unit of each character
        best: tuple[int, int] | None = None  # the longest term spelled across two or more units
        for i in range(len(chars)):
            for j in range(len(chars), i + 1, -1):
                if owner[j - 1] > owner[i] and chars[i:j] in spelled and (
                        alone or chars[i:j] not in data.spelled_minor) and (
                        best is None or j - i > best[1] - best[0]):
                    best = (i, j)
                    break
        if best is None:
            return run
        a, b = owner[best[0]], owner[best[1] - 1]
        if best[0] > 0 and owner[best[0] - 1] == a:
            return run  # the term starts inside a letter with its marks: leave it
        tricks.add("spacing")
        # a wider gap between two letters ends a word ("с н и м и   в с ё": "сними всё", the term's own space)
        joined = units[a].group(0)
        for prev, unit in zip(units[a:b], units[a + 1:b + 1], strict=True):
            gap = run[prev.end():unit.start()]
            joined += (" " if _wide_gap(gap) else "") + unit.group(0)
        if " " not in joined and joined == chars[best[0]:best[1]] and joined in data.spelled_phrases:
            joined = data.spelled_phrases[joined]  # a term of two words keeps its space ("без одежды")

        if not all(_HANGUL.match(u.group(0)) for u in units):
            return run[:units[a].start()] + joined + run[units[b].end():]

        # Hangul syllables on either side may spell more terms ("중 딩 여 자 애 벗 겨 줘"); elsewhere _join_spaced
        # joins the letters left
        def rest(part: str) -> str:
            return _SPELLED_RE.sub(lambda m: join_run(m.group(0), alone), part)
        return rest(run[:units[a].start()]) + joined + rest(run[units[b].end():])

    def join(m: re.Match[str]) -> str:
        run = m.group(0)
        alone = (len(_UNIT_RE.findall(run)) >= 3 and not (m.start() > 0 and text[m.start() - 1].isalpha())
                 and not (m.end() < len(text) and text[m.end()].isalpha()))
        return join_run(run, alone)

    return _SPELLED_RE.sub(join, text)


_SCRIPT_SEAM = re.compile("(?<=[a-z\u00c0-\u024f])(?=[" + _SPACELESS_CHARS + "])|(?<=[" + _SPACELESS_CHARS
                          + "])(?=[0-9@$!]*[a-z\u00c0-\u024f])|(?<=[\u0900-\u097f])(?=[" + _SPACELESS_CHARS
                          + "])|(?<=[" + _SPACELESS_CHARS + "])(?=[\u0900-\u097f])")


def _split_scripts(text: str) -> str:
    """A space where Latin letters or Devanagari meet Chinese, Japanese or Korean ("把keponakanku",
    "औरतをबिकिनी姿"): words of two scripts written together are still two words to the lexicon."""
    return text if text.isascii() else _SCRIPT_SEAM.sub(" ", text)


def _segment(word: str) -> str:
    """A long run of spaced-out letters that holds a whole request ("g ö r h e n n e n a k e n" joins into
    "görhennenaken"): the sensitive words in it (the leetspeak targets, 4+ letters; in Cyrillic the script
    terms) set apart as words of their own ("görhenne naken"), so that the lexicon and the classifier read them.
    A minor word of 5+ letters is cut first, then the longest other word: "görelevennaken" is "gör eleve n
    naken", not "gö releve n naken"."""
    folded = strip_accents(word.lower()).replace("ı", "i")
    if len(word) < 4 or len(folded) != len(word) or not folded.isalpha():
        return word
    data = _typo_data()
    if folded.isascii():
        targets, minors = data.leet, data.minor_words
    elif _CYRILLIC.fullmatch(folded):
        targets, minors = data.cyrillic, data.cyrillic_minor
    else:
        return word
    if folded in targets:
        return word
    for pool, least in ((minors, 5), (targets, 4)):  # a short minor word ("nena") waits for the longest word
        for size in range(min(len(folded), 14), least - 1, -1):
            for i in range(len(folded) - size + 1):
                if folded[i:i + size] in pool:
                    if folded[i:i + size] in minors and not any(
                            folded[x:y] in targets for x in range(i + size, len(folded))
                            for y in range(x + 4, len(folded) + 1)):
                        # a minor word keeps the rest of the word where no other word is in it ("nastolatk" + "a",
                        # "дочк" + "у", "пятиклассн" + "ицу")
                        size = len(folded) - i
                    left, right = word[:i], word[i + size:]
                    return " ".join(x for x in (_segment(left), word[i:i + size], _segment(right)) if x)
    return word


def _seam_only(units: list[str]) -> bool:
    """Whether single Latin letters stand alone between Chinese, Japanese or Korean syllables: the seam between
    scripts set the spaces, nobody spelled anything out ("给他 p 件 t 恤" is "给他P件T恤", a T-shirt put on; joining it
    lost the garment and called it a trick). "b i k i n i に し て", "把她 p 成 l u o 体", "萝 莉 p 成 涩 图" are
    spelled out."""
    kinds = [bool(_SPACELESS.match(u)) for u in units]
    # mixed, and letters and syllables alternate: two syllables in a row were spaced out by someone
    return any(kinds) and not all(kinds) and all(a != b for a, b in itertools.pairwise(kinds))


def _join_spaced(text: str, tricks: set[str]) -> str:
    def join_group(units: list[str], seps: list[str], min_units: int, alone: bool) -> str | None:
        """The letters of one spaced-out word joined, or None to leave them as written."""
        if len(units) < min_units or sum(1 for u in units if u[:1].isalpha()) < 2 or _seam_only(units):
            return None
        rest = ""
        last = units[-1]
        if len(last) > 1 and not _SYLLABIC.search(last):
            # the last letter carries more letters: a suffix ("b i k i n iyle") when the letters spelled out
            # make a sensitive word, or in a script without case (Arabic: "م ل ا ب سها"); else it is the
            # next word ("s m o k i n g please")
            spelled = strip_accents("".join(units[:-1]) + last[0])
            caseless = not last[0].isascii() and last[0].lower() == last[0].upper()
            if len(units) < 5 or not (spelled in _typo_data().vocab or caseless):
                if len(units) - 1 < min_units:
                    return None
                units, rest = units[:-1], " " + last
        # "a b i k i n i": keep a leading one-letter word ("a", "i", "y", "o", "e", "à")
        lead = ""
        # a plain space, then one other separator throughout ("a b . i . k . i"), or spaces only after an
        # article-like letter ("a b i k i n i"): the first letter is a word of its own. Not where the words are
        # set apart by wider gaps ("k i n d  a u s z i e h e n", "o k u l l u  k ı z ı"): an article there
        # would be a group of its own
        mixed = len(seps) >= 3 and seps[0] == " " and len(set(seps[1:])) == 1 and not seps[1].isspace()
        article = (alone and all(x.isspace() for x in seps) and len(units) >= 5
                   and units[0] in _ONE_LETTER_WORDS
                   # not the first letter of a sensitive word ("a u s z i e h e n")
                   and strip_accents("".join(units).lower()) not in _typo_data().leet)
        if mixed or article:
            lead, units = units[0] + " ", units[1:]
        joined = "".join(units)
        # a whole request spelled out letter by letter ("g ö r h e n n e n a k e n"), not a word and its ending
        return lead + (_segment(joined) if len(units) >= 8 and all(len(u) == 1 for u in units) else joined) + rest

    def join(m: re.Match[str]) -> str:
        pieces = _SEP_SPLIT.split(m.group(0))  # unit, sep, unit, sep, ..., unit
        units, seps = pieces[0::2], pieces[1::2]
        groups: list[tuple[list[str], list[str]]] = [([units[0]], [])]
        for sep, unit in zip(seps, units[1:], strict=True):
            if _word_gap(sep, groups[-1][0][-1], unit):
                groups.append(([unit], []))
            else:
                groups[-1][0].append(unit)
                groups[-1][1].append(sep)
        # several spaced-out words in a row ("k*l*ä* *a*v"): a two-letter word among them is spaced out too
        min_units = 2 if sum(len(g) >= 3 for g, _ in groups) >= 1 and len(groups) > 1 else 3
        out: list[str] = []
        for g, gs in groups:
            got = join_group(g, gs, min_units, len(groups) == 1)  # None: leave this group as written
            out.append(got if got is not None else g[0] + "".join(x + u for x, u in zip(gs, g[1:], strict=True)))
        joined = " ".join(out)
        if joined != m.group(0):
            tricks.add("spacing")
        return joined

    return _SPACED_RE.sub(join, text)


_NUMBER_UNIT_RE = re.compile(r"^\d+[a-z]{0,4}$")
_NUMBER_HYPHEN_RE = re.compile(r"^\d+[-–]")
_NUMBER_LEAD_RE = re.compile(r"^(?:1\d|2[01])(?=[^\W\d_])")  # an age, "14" of "14jähr1ge" (not "50u713n", "7h4nks")
_TEAM_CODE_RE = re.compile(r"^[ufpgbj](?:0[6-9]|1\d|2[01])$", re.IGNORECASE)  # U17, F14, P09 (not "w37": wet)
# leetspeak is a Latin-script trick: a digit between CJK, Hangul or Arabic letters is a number ("13岁")
_LEET_MID_RE = re.compile(r"[a-z\u00c0-\u024f][" + re.escape("".join(_LEET)) + r"]+[a-z\u00c0-\u024f]")


#: Characters that stand for more than one letter: "1" and "!" are "i" or "l" ("k13ren", "11ngerie").
_LEET_ALT: dict[str, str] = {"1": "il", "!": "il", "6": "gb", "|": "li"}


def _leet_candidates(core: str, limit: int = 64) -> list[str]:
    """Every decoding of ``core``, the plain one first (at most ``limit``)."""
    out = [""]
    for c in core:
        opts = _LEET_ALT.get(c) or _LEET.get(c, c)
        out = [o + x for o in out for x in opts][:limit]
    return out


def _leet_target(cand: str, data: _TypoData) -> str | None:
    """The sensitive word a decoded token stands for: itself, its spelling repair, or the repair of a
    word with a suffix ("b1k1n1yle"); None if none."""
    key = strip_accents(cand)
    if key in data.leet:
        return cand
    # an inflected or suffixed form ("underklader" + "na", "spogli" + "ala"): up to four letters more
    if any(key[:cut] in data.leet for cut in range(max(5, len(key) - 4), len(key))):
        return cand
    fixed = repair_token(key, data)
    if fixed is not None:
        return fixed
    return None


# Cyrillic leetspeak ("м4л0л3тк4", "б1к1н1"): digits standing for the letters they look like; "3" is "е" or "з"
_CYR_LEET: dict[str, str] = {"0": "о", "1": "и", "3": "е", "4": "а", "6": "б", "@": "а"}
_CYR_LEET_ALT: dict[str, str] = {"3": "ез"}
_CYR_LEET_MID_RE = re.compile(r"[\u0400-\u04ff][0-9@]+[\u0400-\u04ff]")


def _cyrillic_leet(core: str, data: _TypoData) -> str | None:
    """``core`` decoded when it is Cyrillic letters with leet digits between them, else None; of the readings of
    "3", the one that starts with a sensitive word of the lexicons ("ра3день" is "раздень"), else "е"."""
    if not _CYR_LEET_MID_RE.search(core) or not all("\u0400" <= c <= "\u04ff" or c in _CYR_LEET for c in core):
        return None
    cands = [""]
    for c in core:
        cands = [o + x for o in cands for x in (_CYR_LEET_ALT.get(c) or _CYR_LEET.get(c, c))][:32]
    for cand in cands:
        low = cand.lower()
        if any(low.startswith(w) for w in data.scripts if len(w) >= 4):
            return cand
    return cands[0]


def _deleet(text: str, tricks: set[str]) -> str:
    data = _typo_data()

    def decode(m: re.Match[str]) -> str:
        return decode_token(m.group(0))

    def decode_token(tok: str) -> str:
        if not any(c in _LEET or c in _LEET_ALT for c in tok):
            return tok
        number = _NUMBER_HYPHEN_RE.match(tok)
        if number:  # "14-år1ga": the number before the hyphen is a number, the rest may be leet
            return number.group(0) + decode_token(tok[number.end():])
        core = tok.strip("'’-")
        cyr = _cyrillic_leet(core, data) if core else None
        if cyr is not None:
            tricks.add("leet")
            return tok.replace(core, cyr)
        if not core or not any(c.isalpha() for c in core) or any(c.isalpha() and ord(c) > 0x24F for c in core):
            return tok
        if _TEAM_CODE_RE.match(core):  # "U17", "F14", "P15": a youth team or a size, not "uit" (Dutch "out")
            return tok
        trail = ""
        if core.endswith("!") and len(core) > 2 and core[-2].isalpha() and "!" not in core[:-1]:
            # "bikin!" may be "bikini", "wow!" is an exclamation: the mark is a letter only if that makes a word
            trail = "!"
        # a sensitive word once decoded (any reading of the ambiguous characters), even if it looks like a
        # number with a unit ("84ju" is "baju"); a "!" at the end counts as a letter only then
        for cand in _leet_candidates(core):
            got = _leet_target(cand, data)
            if got is not None:
                tricks.add("leet")
                return tok.replace(core, got)
        if trail:
            core = core[:-1]
        if _NUMBER_UNIT_RE.match(core) or not any(c in _LEET for c in core):
            return tok
        # an age glued to a leet word ("14jähr1ge", "14l4tke"): the number stays a number
        lead = _NUMBER_LEAD_RE.match(core)
        if lead is not None and any(c in _LEET for c in core[lead.end():]):
            return tok.replace(core, lead.group(0) + decode_token(core[lead.end():]))
        # a leet run between two letters ("s04ked", "7r4nsp4r3nt"): decoded even if not a known word
        if _LEET_MID_RE.search(core) is not None and sum(c.isalpha() for c in core) >= 2:
            tricks.add("leet")
            return tok.replace(core, "".join(_LEET.get(c, c) for c in core))
        return tok

    return _WORD_RE.sub(decode, text)


def _collapse_repeats(text: str, tricks: set[str]) -> str:
    vocab = _typo_data().vocab
    fixes = _typo_data().fixes

    def known(cand: str) -> bool:  # as written or as folded ("çıııplaaak" is "çıplak", read as "ciplak")
        key = strip_accents(cand.lower()).replace("ı", "i")
        return cand in vocab or cand in fixes or key in vocab or key in fixes

    def word(m: re.Match[str]) -> str:
        tok = m.group(0)
        if not _RUN_RE.search(tok):
            return tok
        tricks.add("repeat")
        two = _RUN_RE.sub(r"\1\1", tok)
        one = _RUN_RE.sub(r"\1", tok)
        for cand in (one, two):
            if known(cand):
                return cand
        # mixed: try collapsing each run to one or two letters
        runs = list(_RUN_RE.finditer(tok))
        if len(runs) <= 4:
            for mask in range(1 << len(runs)):
                pieces: list[str] = []
                last = 0
                for i, r in enumerate(runs):
                    pieces.append(tok[last:r.start()])
                    pieces.append(r.group(1) * (1 if mask >> i & 1 else 2))
                    last = r.end()
                pieces.append(tok[last:])
                cand = "".join(pieces)
                if known(cand):
                    return cand
        return two

    return _WORD_RE.sub(word, text)


def repair_token(key: str, data: _TypoData | None = None, *, protected: bool = True) -> str | None:
    """The sensitive word that the (accent-stripped, lower-case) token ``key`` misspells, or None.

    A listed fix, else one edit away from a word of the vocabulary (5+ letters, first letter kept
    for a substitution). Real words one edit from a vocabulary word ("spring"/"string",
    "nacht"/"nackt") are in ``protect`` (typos.yaml plus protect.txt, built from word frequencies)
    and never repaired, unless ``protected`` is False (used to build protect.txt).
    """
    data = data or _typo_data()
    if key in data.vocab:
        return None
    if key in data.fixes:
        return data.fixes[key]
    if len(key) < 4 or not key.isascii() or not key.isalpha() or (protected and key in data.protect):
        return None
    for i in range(len(key) - 1):  # a letter doubled, even in a short word ("nuude")
        if key[i] == key[i + 1] and (cand := key[:i] + key[i + 1:]) in data.vocab and len(cand) >= 4:
            return cand
    if len(key) == 4:  # four letters: only two of them swapped ("ndue")
        for i in range(3):
            if (sw := key[:i] + key[i + 1] + key[i] + key[i + 2:]) in data.vocab:
                return sw
        return None
    # (A suffix rule, "biikniyle" -> "bikiniyle", was tried and dropped: it turned 420 real words of
    # Zipf frequency 2-3 into sensitive ones, "gartenzaun" -> "garterzaun", "rozegrania" -> "rozebrania".)
    return _repair_edit(key, data)


def _repair_edit(key: str, data: _TypoData) -> str | None:
    """The vocabulary word one edit from ``key`` (5+ letters), or None."""
    if key in data.deletes:  # a letter missing
        return data.deletes[key]
    for i in range(len(key)):  # a letter too many, or two letters swapped
        cand = key[:i] + key[i + 1:]
        if cand in data.vocab and len(cand) >= 5:
            return cand
        if i + 1 < len(key):
            sw = key[:i] + key[i + 1] + key[i] + key[i + 2:]
            if sw in data.vocab and len(sw) >= 5:
                return sw
    for i in range(1, len(key)):  # one letter replaced (edit distance 1, first letter kept)
        sub = data.subs.get(key[:i] + "?" + key[i + 1:])
        if sub is not None:
            return sub
    return None


_SCRIPT_WORD_RE = re.compile("[\\w" + WORD_MARKS + "]+")  # a word with its vowel signs ("कपड़े")


def _starts_sensitive(word: str, terms: frozenset[str], past: int = 0) -> bool:
    """``word`` starts with a sensitive term of 4+ characters that reaches past index ``past``."""
    return any(word[:n] in terms for n in range(max(4, past + 1), len(word) + 1))


def repair_script_token(tok: str, data: _TypoData | None = None, *, protected: bool = True) -> str | None:
    """A letter doubled or two letters swapped in a sensitive word of a non-Latin script with word
    spaces ("ककपड़े" -> "कपड़े", "ملاببسها" -> "ملابسها", "бкиини" -> "бикини"), or None. Only when the
    token does not already start with a sensitive word and the repaired one does, and is not a real
    word that protect.txt lists (Arabic "برونو", Bruno, is not "بورنو")."""
    data = data or _typo_data()
    if len(tok) < 4 or tok.isascii() or _SPACELESS.search(tok) or _starts_sensitive(tok, data.scripts):
        return None
    if protected and tok in data.protect:
        return None
    for i in range(len(tok) - 1):
        if tok[i] == tok[i + 1] and _starts_sensitive(cand := tok[:i] + tok[i + 1:], data.scripts, i):
            return cand
    if tok in data.script_deletes:  # a letter missing from a sensitive word of 7+ letters ("рздень")
        return data.script_deletes[tok]
    if len(tok) >= 8:  # a stray letter, even the first, in a sensitive word of 7+ letters
        for i in range(len(tok)):
            if (cand := tok[:i] + tok[i + 1:]) in data.script_long:
                return cand
    if len(tok) >= 5:
        for i in range(1, len(tok) - 1):  # the first letter is rarely the slip
            cand = tok[:i] + tok[i + 1] + tok[i] + tok[i + 2:]
            if _starts_sensitive(cand, data.scripts, max(i + 1, 4)):
                return cand
    return None


def _repair_typos(text: str, tricks: set[str]) -> str:
    data = _typo_data()

    def fix_script(m: re.Match[str]) -> str:
        tok = m.group(0)
        got = repair_script_token(tok, data) if _script(tok[0]) != "latin" else None
        if got is None:
            return tok
        tricks.add("typo")
        return got

    if not text.isascii() and data.scripts:
        text = _SCRIPT_WORD_RE.sub(fix_script, text)

    def fix(m: re.Match[str]) -> str:
        tok = m.group(0)
        key = tok if tok.isascii() else strip_accents(tok)
        got = repair_token(key, data)
        if got is None:
            got = _repair_with_case_ending(key, data)
        if got is None:
            return tok
        tricks.add("typo")
        return got

    return _WORD_RE.sub(fix, text)


# Turkish "with" endings ("bikiniyle", "iç çamaşırıyla"): the word before them may be misspelled too
_TR_WITH = ("yle", "yla", "iyle", "iyla", "ile", "ila")


def _repair_with_case_ending(key: str, data: _TypoData) -> str | None:
    """A misspelled garment with a Turkish "with" ending ("biikniyle" -> "bikiniyle"): the stem is
    repaired only into one of the one-word attire terms (6+ letters) of the lexicon, never into any
    other word (a general stem-and-ending repair turned hundreds of real words into sensitive ones)."""
    for ending in _TR_WITH:
        if key.endswith(ending) and len(key) - len(ending) >= 5:
            got = repair_token(stem := key[:-len(ending)], data)
            if got is not None and got in data.garment_words and got != stem:
                return got + ending
    return None


def _ascii_digits(text: str) -> str:
    """Decimal digits of any script as ASCII ("١٤", "१४", "১৪" -> "14"), so ages are read in every language."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None
                   else c for c in text)


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")  # Japanese kana: the text is Japanese, not Chinese


@functools.lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _simplified_chinese(text: str) -> str:
    """Traditional Chinese to Simplified ("女兒" -> "女儿", "脫掉" -> "脱掉"), so one term list reads both.
    Japanese (any kana in the text) is left alone: its kanji are not Traditional Chinese."""
    if text.isascii() or not _HAN_RE.search(text) or KANA_RE.search(text):
        return text
    return str(_t2s().convert(text))


# Hangul compatibility letters (what a Korean keyboard types one by one, U+3131-U+3163), in the orders of Unicode's
# syllable formula (0xAC00 + (initial * 21 + vowel) * 28 + final): the initial consonants, the final ones (ㄸ ㅃ ㅉ
# are never final, the clusters ㄳ ㄵ ... only final; two consonants typed for a cluster are paired) and the vowels
_CONSONANTS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_FINALS = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_VOWEL_PAIRS = {"ㅗㅏ": "ㅘ", "ㅗㅐ": "ㅙ", "ㅗㅣ": "ㅚ", "ㅜㅓ": "ㅝ", "ㅜㅔ": "ㅞ", "ㅜㅣ": "ㅟ", "ㅡㅣ": "ㅢ"}
_FINAL_PAIRS = {"ㄱㅅ": "ㄳ", "ㄴㅈ": "ㄵ", "ㄴㅎ": "ㄶ", "ㄹㄱ": "ㄺ", "ㄹㅁ": "ㄻ", "ㄹㅂ": "ㄼ",
                "ㄹㅅ": "ㄽ", "ㄹㅌ": "ㄾ", "ㄹㅍ": "ㄿ", "ㄹㅎ": "ㅀ", "ㅂㅅ": "ㅄ"}
_JAMO_RE = re.compile("[ㄱ-ㅎ][ㅏ-ㅣ]")


def _compose_jamo(text: str, tricks: set[str]) -> str:
    """Hangul typed as separate letters ("ㅈㅜㅇㄷㅣㅇ") composed into syllables ("중딩"), as a Korean reader
    reads them; consonants alone ("ㅋㅋㅋ", "ㅂㅋㄴ": abbreviations, not spelled words) are left as they are."""
    if not _JAMO_RE.search(text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        lead = _CONSONANTS.find(text[i])
        if lead < 0 or i + 1 >= n or text[i + 1] not in _VOWELS:
            out.append(text[i])
            i += 1
            continue
        vowel_s, j = text[i + 1], i + 2
        if j < n and vowel_s + text[j] in _VOWEL_PAIRS:
            vowel_s, j = _VOWEL_PAIRS[vowel_s + text[j]], j + 1
        tail = 0
        if j < n and text[j] in _FINALS and not (j + 1 < n and text[j + 1] in _VOWELS):
            final = text[j]
            j += 1
            if j < n and final + text[j] in _FINAL_PAIRS and not (j + 1 < n and text[j + 1] in _VOWELS):
                final = _FINAL_PAIRS[final + text[j]]
                j += 1
            tail = _FINALS.index(final) + 1
        out.append(chr(0xAC00 + (lead * 21 + _VOWELS.index(vowel_s)) * 28 + tail))
        i = j
    composed = "".join(out)
    if composed != text:  # "ㄳㅏ" matches the quick check but spells no syllable
        tricks.add("spacing")
    return composed


def _one_pass(text: str, tricks: set[str]) -> str:
    t = unicodedata.normalize("NFC", text)
    t = _remove_invisible(t, tricks)
    t = _regional_indicators(t, tricks)
    t = _emoji_to_words(t, tricks)
    t = _compose_jamo(t, tricks)
    nfkc = unicodedata.normalize("NFKC", t)
    if nfkc != t and any(unicodedata.normalize("NFKC", c) != c and c.isalpha() and not c.isascii()
                         and _script(c) in ("latin", "other") and not ("\uac00" <= c <= "\ud7a3")
                         for c in t):
        tricks.add("unicode_style")
    t = _remove_invisible(nfkc, tricks)
    t = _simplified_chinese(t)
    t = _ascii_digits(t)
    t = _fold_homoglyphs(t, tricks)
    t = t.lower()
    t = unicodedata.normalize("NFKC", t)
    t = _remove_invisible(t, tricks)
    t = _split_scripts(t)
    t = _join_spelled(t, tricks)
    t = _join_spaced(t, tricks)
    t = _deleet(t, tricks)
    t = _collapse_repeats(t, tricks)
    t = _repair_typos(t, tricks)
    t = _SPACES_RE.sub(" ", t).strip()
    return t


@dataclass(frozen=True, slots=True)
class Normalized:
    """The result of :func:`normalize`.

    ``text`` is what the classifier embeds (lower case, tricks undone);
    ``folded`` is ``text`` without diacritics on Latin letters, for lexicon
    matching; ``tricks`` names the obfuscations seen (``zero_width``,
    ``combining``, ``emoji``, ``unicode_style``, ``homoglyph``, ``spacing``,
    ``leet``, ``repeat``, ``typo``).
    """

    original: str
    text: str
    folded: str
    tricks: frozenset[str]


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> Normalized:
    """Normalise ``text``; idempotent: ``normalize(normalize(t).text).text == normalize(t).text``."""
    tricks: set[str] = set()
    cur = text
    for _ in range(4):
        nxt = _one_pass(cur, tricks)
        if nxt == cur:
            break
        cur = nxt
    return Normalized(original=text, text=cur, folded=strip_accents(cur), tricks=frozenset(tricks))


def normalize_text(text: str) -> str:
    """Just the normalised text."""
    return normalize(text).text
