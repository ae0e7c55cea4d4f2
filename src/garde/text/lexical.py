"""The lexical layer: multilingual term lists matched against normalised text.

It is a fast, explainable baseline (no model to load) and also a set of
features for the trained classifier. Term lists are data, in
``garde/text/lexicons/*.yaml``: revealing attire, nudity, sexualising
language, garment removal (verb + garment), minors, jailbreak framing,
multi-step follow-ups, and harmless context (watermark, background, product
shot) that usually makes a sensitive word innocent.

The scores below are rough, hand-set likelihoods; the trained classifier in
:mod:`garde.text.classifier` is what :class:`~garde.text.analyzer.TextIntentAnalyzer`
reports. :class:`LexicalAnalyzer` exists for a model-free deployment and as the
demo's first end-to-end text analyser.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from garde.analyzers import AnalysisContext
from garde.model import Signal, Stage
from garde.text.normalize import KANA_RE, WORD_MARKS, Normalized, load_yaml, normalize

__all__ = [
    "FEATURE_NAMES",
    "LexicalAnalyzer",
    "LexicalHits",
    "Lexicon",
    "default_lexicon",
    "evidence_floor",
    "lexical_scores",
]

_CATEGORY_FILES = {
    "attire": "attire.yaml",
    "nudity": "nudity.yaml",
    "sexualize": "sexualize.yaml",
    "minor": "minor.yaml",
    "jailbreak": "jailbreak.yaml",
    "multistep": "multistep.yaml",
    "context": "context.yaml",
}

_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "ARABIC", "THAI")

# "she is", "hon är", "ze is", "sie ist", "she's": before an age in digits (below) or in words (_SHE_NUMBER_RE)
_SUBJECT_IS = r"(?:she|he|hon|han|ze|zij|hij|sie|er)\s+(?:is|är|ar|ist)|(?:hon|han)\s+e|shes|hes|she's|he's"

# Ages written as numbers, in the supported languages (matched on the folded text).
_AGE_PATTERNS = [
    r"(\d{1,2})\s*(?:-|\s)?\s*(?:years?|yrs?|yr)[\s-]*old",
    r"(\d{1,2})\s*(?:yo|y/o|y\.o\.|yrs?)(?![\w])",
    r"(?:aged|age|ages)\s+(\d{1,2})(?!\d)",
    r"(\d{1,2})\s*(?:ans|an)(?![\w])",
    r"(\d{1,2})\s*(?:anos|años|anni|anno|anos de idade)(?![\w])",
    r"(\d{1,2})\s*-?\s*(?:jahre|jahrige[nmrs]?|jahr|j\.)(?![\w])",
    r"(\d{1,2})\s*-?\s*(?:jaar|jarigen?)(?![\w])",
    r"(\d{1,2})\s*-?\s*(?:lat|latk[aeiou]|latkami|latkom|latek|letni\w*)(?![\w])",
    r"(\d{1,2})\s*-?\s*enne(?![\w])",  # Italian "una 15enne"
    # "she's 15", "hon är 15", "ze is 15", "sie ist 15" (not "he is 15 minutes late")
    # "she turns 15", "fyller 17 snart", "sie wird 15"
    r"(?<![\w])(?:" + _SUBJECT_IS + r"|turns|turning|fyller|wird|wordt)\s+"
    r"(?:(?:only|just|bara|pas|nog|maar|erst|nur|typ|like|about|around|almost|barely|ungefar|nastan|snart|bald|"
    r"soon|ongeveer|bijna|etwa|fast|dopiero|tylko)\s+){0,2}(\d{1,2})"
    r"(?![\d.,]?\d|\s*(?:%|min|hour|uur|stund|timm|std|cm|kg|m\b|km|ft|feet|euro|eur|kr|dollar|\$|€|x\b|times|mal\b|gang|"
    r"pm\b|am\b|uhr|o'?clock|procent|prozent))",
    r"(\d{1,2})\s*-?\s*(?:лет|год|года|летн)",
    r"(\d{1,2})\s*(?:yas|yaş|yasinda|yaşında|yasindaki|yaşındaki)",
    r"(\d{1,2})\s*(?:سنة|سنوات|عام|عاما|عامًا)",
    r"(?:عمرها|عمره|بعمر|عمر)\s*(\d{1,2})(?!\d)",
    r"(\d{1,2})\s*(?:歳|才|岁|살|세|さい)",
    r"(\d{1,2})\s*(?:साल|वर्ष|बरस)",
    # Hindi "वो 16 की है" / "वह 15 का है" (she/he is 16; after a pronoun, as "पेन 10 का है" is a price),
    # "16 की लड़की"; Urdu "16 سال کی", "16 برس"; romanised "16 saal ki", "wo 16 ki hai"
    r"(?:वो|वह|ये|यह|जो)\s+(\d{1,2})\s*(?:की|का|के)\s+(?:है|हैं|थी|था|हो)",
    r"(?<!\d)(\d{1,2})\s*(?:की|का)\s+(?:लड़की|लड़का|बच्ची|बच्चा)",
    r"(\d{1,2})\s*(?:سال|برس)",
    r"(?<!\d)(\d{1,2})\s*(?:saal|sal)\s+(?:ki|ka|ke)(?![\w])",
    r"(?<![\w])(?:wo|woh|vo|voh|ye|yeh|beta|beti|ladki|ladka|bachi|bacchi|bachcha|bhai|behen|bhatija|bhatiji)\s+"
    r"(\d{1,2})\s+(?:ki|ka|saal\s+ki|saal\s+ka)\s+(?:hai|he|thi|tha)(?![\w])",
    r"(\d{1,2})\s*(?:tahun|thn)(?![\w])",
    r"(\d{1,2})\s*(?:snin|sna|snine)(?![\w])",  # Darija in Latin letters: "bnita dyal 9 snin"
    r"(\d{1,2})\s*sui(?![\w])",  # pinyin 岁
    r"(\d{1,2})\s*-?\s*(?:ar|år|aring|åring|arig|årig)(?:en|ar|arna|a|e)?(?![\w])",
]
_AGE_RE = re.compile("|".join(f"(?:{p})" for p in _AGE_PATTERNS))
# A number that is no age: followed by a unit of temperature, weight, money, length, time ("under 18 degrees").
_NO_UNIT = (r"(?![.,:]?\d)(?!\s*(?:\+|°|%|degre|grad|stopni|градус|derece|درجة|kg|kilo|lb|pound|euro|eur\b|€|\$|dollar|"
            r"z[lł]|руб|lira|tl\b|ريال|جنيه|块|元|원|rs\b|rupiah|rb\b|kr\b|cm|mm|km|m\b|min|uur|hour|ore\b|horas|heure|"
            r"stunde|час|saat|ay\b|bulan|hari|month|mois|mes[ei]s|monat|maand|manad|miesi|месяц|شهر|ヶ月|个月|개월|महीने|"
            r"week|semaine|semana|settiman|woche|tydz|недел|hafta|minggu))")
# "not 18 yet", "under 18", "未满18", "belum 18" (per language): a minor, and the 18 in it is no adult claim.
# Written by a helper from its own probes (68 positive, 38 negative lines).
# ... nor a time of day or a span in the past ("almost 18 years ago", "快18点")
_AGE_NO_LATER = _NO_UNIT + r"(?!\s*(?:years?\s+ago|yrs?\s+ago|uhr|h\b|点|時|시|:))"
_UNDER18_PATTERNS = [
    # en
    r"(?<!not\s)(?:under|below|younger\s+than|less\s+than)\s+(?:the\s+age\s+of\s+)?(?:18|eighteen)" + _NO_UNIT,
    r"(?:not|isn'?t|is\s+not|wasn'?t|aren'?t|not\s+even)\s+(?:yet\s+)?(?:18|eighteen)(?:\s*(?:yet|years?))?"
    + _NO_UNIT,
    # fr
    r"(?:pas(?:\s+encore)?|moins\s+de|en\s+dessous\s+de)\s+(?:les\s+)?18\s*ans",
    # es / pt
    r"(?:no|aun\s+no|todavia\s+no|nao|ainda\s+nao)\s+(?:tiene|cumple|ha\s+cumplido|tem|fez|completou)\s+"
    r"(?:los\s+|os\s+)?18" + _NO_UNIT,
    r"(?:menos|menor|menores)\s+de\s+18" + _NO_UNIT,
    # it
    r"(?:non\s+ha\s+(?:ancora\s+)?|meno\s+di\s+|sotto\s+i\s+)18" + _NO_UNIT,
    # de / nl / sv
    r"(?<!not\s)(?<!nicht\s)(?<!inte\s)(?:noch\s+keine|noch\s+nicht|nicht\s+mal|nog\s+geen|nog\s+niet|onder\s+de|"
    r"jonger\s+dan|inte(?:\s+ens)?(?:\s+fyllt)?|under)\s+18" + _NO_UNIT,
    r"(?:noch\s+)?nicht\s+volljahrig",
    # pl
    r"(?:nie\s+ma\s+(?:jeszcze\s+)?|mniej\s+niz\s+|ponizej\s+)18" + _NO_UNIT,
    # ru
    r"(?:нет|меньше|младше|не\s+исполнилось)\s+(?:ещё\s+|еще\s+)?(?:18|восемнадцати)" + _NO_UNIT,
    # tr
    r"18\s*(?:yasindan\s+(?:kucuk|kucuktur)|yas\s+alti)(?!\w)", r"(?:daha|henuz)\s+18\s*(?:yasinda\s+)?degil",
    # ar
    r"(?:تحت|أقل من|اقل من|دون|ما بلغتش|ما بلغت|لم تبلغ|لم يبلغ|ما كملتش|ما كملت|لسه ما)\s*(?:سن\s*)?(?:ال)?18"
    + _NO_UNIT,
    # ja / zh / ko
    r"18\s*(?:歳|才)\s*(?:未満|以下|になってない|になっていない|じゃない)", r"(?:未满|没满|不满|不到)\s*18" + _NO_UNIT,
    r"18\s*(?:세|살)\s*(?:미만|안\s*된|이하)",
    # hi
    r"18\s*(?:साल\s*)?से\s+कम", r"18\s*(?:की|का)\s+नहीं", r"18\s*(?:ki|ka)\s+nahi", r"18\s*(?:saal\s+)?se\s+kam",
    # id
    r"(?:belum|di\s*bawah|kurang\s+dari)\s+18" + _NO_UNIT,
    # "almost 18", "bientôt 18", "casi 18", "fast 18", "почти 18", "快18", "곧 18" (17, in every language)
    r"(?<![\w])(?:almost|nearly|not\s+quite|about\s+to\s+(?:be|turn)|turning|presque|bientot|casi|quase|quasi|"
    r"por\s+cumplir|a\s+punto\s+de\s+cumplir|sta\s+per\s+compiere|fast|bald|bijna|nastan|snart|prawie|niedlugo|"
    r"neredeyse|nerdeyse|hampir|menjelang|lagbhag|kareeb|karib|почти|скоро|लगभग|करीब|تقريبا|قربت|"
    r"على\s+وشك)\s+(?:(?:los|os|les|de|i|the|age\s+of)\s+)?(?:18|eighteen|восемнадцать)" + _AGE_NO_LATER,
    r"18\s*'?\s*(?:in[ea]|un[ea])\s+(?:daha\s+)?(?:az|birkac\s+ay|\d{1,2}\s+(?:yil|sene|ay))\s+(?:kaldi|var)",
    # "3 years until she's 18", "two years before he turns 18"
    r"(?:\d{1,2}|one|two|three|four|five|a\s+few|a\s+couple\s+of)\s+(?:more\s+)?years?\s+(?:until|till|til|before)\s+"
    r"(?:she|he|they)?\s*(?:'?s|is|are|turns?|will\s+be)?\s*(?:18|eighteen)",
    r"(?:もうすぐ|ほぼ|ほとんど|あと少しで)\s*18" + _AGE_NO_LATER,
    r"(?:快要?|差不多|马上|将近|接近)\s*(?:满\s*)?18" + _AGE_NO_LATER,
    r"(?:거의|곧)\s*18" + _AGE_NO_LATER,
    # a school class by its code: de "die aus der 9b", fr "celle de 3eB", "mon crush de 4e", ru "она из 7Б"
    r"(?:aus\s+der|in\s+der|klasse)\s+(?:[5-9]|10)\s*[a-f](?![\w])",
    r"(?:de|en)\s+(?:6|5|4|3)\s*e\s*[a-f]?(?![\w])(?!\s*(?:etage|étage|arrondissement|rang|place|position))",
    r"(?:из|в)\s+(?:[5-9]|1[01])\s*[абвгд](?![\w])(?!\s*(?:дом|корпус|кв))",
    # "turns 18 next month", "faz 18 daqui a 2 meses", "wird 18", "fyller 18 om", "исполнится 18": not yet 18
    r"(?<![\w])(?:turns?|will\s+be|will\s+turn)\s+(?:18|eighteen)\s+(?:next|in|on|this|soon)(?!\w)",
    r"faz\s+18\s+(?:anos\s+)?(?:daqui|mes\s+que\s+vem|ano\s+que\s+vem|no\s+proximo|na\s+proxima|em\s)",
    r"cumple\s+(?:los\s+)?18\s+(?:anos\s+)?(?:en\s|el\s+proximo|la\s+proxima|dentro|pronto|el\s+mes)",
    r"aura\s+18\s+ans\s+(?:dans|le\s+mois|l'annee|l’annee|en\s)",
    r"compie\s+(?:i\s+)?18\s+anni\s+(?:tra|fra|il\s+prossimo)",
    r"(?<![\w])(?:wird|wordt)\s+(?:bald\s+|erst\s+|pas\s+|nachsten\s+\w+\s+|volgende\s+\w+\s+|in\s+\w+\s+\w+\s+|"
    r"over\s+\w+\s+\w+\s+)?18" + _AGE_NO_LATER,
    r"fyller\s+18\s+(?:om|nasta|i\s+\w+|snart)", r"(?:skonczy|bedzie\s+miala|bedzie\s+mial)\s+18" + _AGE_NO_LATER,
    r"(?:исполнится|будет)\s+18" + _AGE_NO_LATER, r"18\s*(?:'?\s*(?:e|a|ya|ye))?\s+(?:girecek|olacak)",
]
_UNDER18_RE = re.compile("|".join(f"(?:{p})" for p in _UNDER18_PATTERNS))
# More ages in digits: colloquial "years" (añitos, aninhos, abriles, piges), id "umur 14" and "14 taun",
# "the girl is 14", "just turned 15", tr "14'lük kız", ar "بنت الـ14"; Chinese/Japanese numerals (十四歳),
# Korean native numbers (열네 살),
# pl/ru compounds for 11-17 (czternastolatka, четырнадцатилетняя; not 5-10: "пятилетка" is a five-year plan).
_MORE_AGE_PATTERNS = [
    r"(\d{1,2})\s*(?:anitos|aninhos|abriles|piges)(?![\w])",
    r"(?:umur|usia|umurnya|usianya)\s*(\d{1,2})(?![\d.,])(?!\s*(?:hari|bulan|minggu|jam|menit))",
    r"(\d{1,2})\s*taun(?![\w])",
    r"(?<![\w])(?:girl|boy|kid|daughter|son|niece|nephew|who)\s+is\s+(?:only\s+|just\s+|barely\s+)?(\d{1,2})" + _NO_UNIT
    + r"(?!\s*(?:times|x\b|feet|ft|foot|inch|o'?clock|years?\s+(?:ago|later|older|younger)))",
    r"(?:just\s+turned|turned)\s+(\d{1,2})(?![\d.,]?\d|\s*(?:%|degrees|°|pm\b|am\b))",
    r"(\d{1,2})\s*'?\s*l[iu]k\s+(?:kiz|oglan|cocuk)",
    r"(?:بنت|ولد|ابن)\s*الـ?\s*(\d{1,2})(?!\d)",
    # ru "ей 16" (to her, 16: her age); es/pt/pl/it "tiene 17," "ma 17." with no unit, only before a pause
    r"(?<![\w])(?:ей|ему|девочке|мальчику|дочке|дочери|сестре|сыну)\s+(?:только\s+|всего\s+|уже\s+|же\s+)?"
    r"(\d{1,2})" + _NO_UNIT + r"(?!\s*(?:мин|сек|час|дн|раз|шт|процент|подпис|лайк|фот))",
    r"(?<![\w])(?:tiene|tem|ma|ha)\s+(?:solo\s+|apenas\s+|so\s+|tylko\s+|dopiero\s+)?(\d{1,2})"
    r"(?=\s*(?:[,.;!?]|$))",
    # a person "of 15" in the Romance languages: "minha vizinha de 15", "la niña de 12", "ma voisine de 14",
    # "la vicina di 15" (not "la foto de 15 personas", "la hija de 3 meses": a unit or noun follows)
    r"(?<![\w])(?:vizinha|vizinho|vecina|vecino|voisine|voisin|vicina|vicino|filha|filho|hija|hijo|fille|figlia|"
    r"figlio|sobrinha|sobrinho|sobrina|sobrino|niece|neveu|nipote|prima|primo|cousine|cousin|irma|irmao|hermana|"
    r"hermano|soeur|frere|sorella|fratello|aluna|aluno|alumna|alumno|eleve|alunna|alunno|menina|menino|nina|nino|"
    r"garota|garoto|chica|chico|chavita|ragazza|ragazzo|ragazzina|ragazzino|bambina|bambino|gamine|gamin|novinha|"
    r"novinho|pequena|pequeno|petite|piccola)\s+(?:de|di|da)\s+(\d{1,2})" + _NO_UNIT
    + r"(?!\s*(?:\w+\s+)?(?:anos?\s+(?:atras|depois|mais)|personas|pessoas|personnes|persone|fotos?|photos?|euros?))",
]
# an age in parentheses after a name or a person ("Elsa (13)", "my niece (14 j.)"), not after a file, a photo or
# a step ("photo (2)", "IMG_2041 (3)", "Schritt (1)")
_MORE_AGE_PATTERNS.append(
    r"(?<![\w])(?!(?:photos?|fotos?|bild(?:er)?|images?|imgs?|pics?|pictures?|versions?|steps?|parts?|pages?|"
    r"options?|figs?|figures?|files?|copy|copies|kopie|kopia|layers?|slides?|frames?|takes?|shots?|scenes?|no|nr|"
    r"number|variants?|edits?|drafts?|attempts?|items?|points?|punkt|schritt|paso|etape|etapa|passo|rules?|"
    r"examples?|exemple|ejemplo|esempio|exemplo|beispiel|фото|шаг|вариант)\s*\()"
    r"[^\W\d_]{2,}\s*\(\s*(\d{1,2})\s*(?:j\.?|y\.?|a\.?|yo|y/o|ans|anos|años|anni|jahre|jaar|ar|år|lat|лет|yas|yaş|)\s*\)")
_MORE_AGE_RE = re.compile("|".join(f"(?:{p})" for p in _MORE_AGE_PATTERNS))
_CJK_AGES = {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12, "十三": 13, "十四": 14,
             "十五": 15, "十六": 16, "十七": 17}
_CJK_AGE_RE = re.compile(r"(?<![一二三四五六七八九十百])(十[一二三四五六七]?|[五六七八九])\s*(?:歳|才|岁|周岁)")
_KO_AGES = {"다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "열한": 11, "열두": 12, "열세": 13,
            "열네": 14,
            "열다섯": 15, "열여섯": 16, "열일곱": 17}


def _alternation(words: Iterable[str], space: str = "[\\s-]+") -> str:
    """A regex alternation of words, longest first, a space in them matching ``space``."""
    return "|".join(re.escape(w).replace("\\ ", space) for w in sorted(words, key=len, reverse=True))


_KO_AGE_RE = re.compile(r"(?<![\w])(" + _alternation(_KO_AGES, " ") + r")\s*살")
_COMPOUND_AGES = {"jedenastol": 11, "dwunastol": 12, "trzynastol": 13, "czternastol": 14, "pietnastol": 15,
                  "szesnastol": 16, "siedemnastol": 17, "одиннадцатилет": 11, "двенадцатилет": 12, "тринадцатилет": 13,
                  "четырнадцатилет": 14, "пятнадцатилет": 15, "шестнадцатилет": 16, "семнадцатилет": 17}
_COMPOUND_AGE_RE = re.compile(r"(?<![\w])(" + "|".join(_COMPOUND_AGES) + r")(?:at|et|н|к)")


# A year of birth: "born in 2011", "nacida en 2011", "nasceu em 2011", "2011 doğumlu", "2011 me paida hui", "09년생",
# "2011年生まれ";
# the age is this year's minus the birth year (so a request's reading, and training features, follow the calendar).
_BIRTH_YEAR_RE = re.compile(
    r"(?:born\s+(?:in\s+)?|nacid[oa]s?\s+en\s+(?:el\s+)?|nascid[oa]s?\s+em\s+|nasceu\s+em\s+|"
    r"nacio\s+en\s+(?:el\s+)?|nee?s?\s+en\s+|nat[oa]\s+nel\s+|"
    r"geboren\s+(?:im\s+jahr\s+|in\s+)?|jahrgang\s+|urodzon\w*\s+w\s+|rocznik\s+|rocz\.\s*|родил\w*\s+в\s+|"
    r"(?<![\w])(?:ke)?lahir(?:an)?\s+(?:tahun\s+|thn\s+)?|fodd\s+(?:i\s+|ar\s+)?|مواليد\s*|(?<![\w])(?:e\s+una?|es\s+del)\s+|"
    r"(?<![\w])classe\s+)(20[0-2]\d)(?!\d)"
    r"|(?<!\d)(20[0-2]\d)\s*(?:[-\s]born|doğumlu|dogumlu|года\s+рождения|г\.?\s*р\.|(?:me|mein|में)\s+(?:paida|पैदा)|"
    r"年生まれ|年出生|年生(?!活)|geboren|مواليد)"
    r"|(?<!\d)(0\d|1\d|20\d\d)\s*년생")


# "class of 2030", "class-of-2030 portrait": a school year that ends after this one (the age at the end is 18)
_CLASS_OF_RE = re.compile(r"class[\s-]+of[\s-]+'?(20[2-4]\d|[2-4]\d)(?!\d)")


def _birth_year_ages(folded: str) -> list[int]:
    year = datetime.date.today().year
    out = []
    for m in _CLASS_OF_RE.finditer(folded):
        grad = int(m.group(1)) if len(m.group(1)) == 4 else 2000 + int(m.group(1))
        if grad > year:
            out.append(max(18 - (grad - year), 5))
    for m in _BIRTH_YEAR_RE.finditer(folded):
        y = next(g for g in m.groups() if g)
        born = int(y) if len(y) == 4 else 2000 + int(y)
        if 0 <= year - born < 18:
            out.append(year - born)
    return out


def _more_ages(folded: str) -> list[int]:
    """Ages under 18 that the patterns above read (see there)."""
    ages = [int(n) for m in _MORE_AGE_RE.finditer(folded) for n in m.groups() if n]
    ages += _birth_year_ages(folded)
    ages += [_CJK_AGES[m.group(1)] for m in _CJK_AGE_RE.finditer(folded)]
    ages += [_KO_AGES[m.group(1)] for m in _KO_AGE_RE.finditer(folded)]
    ages += [_COMPOUND_AGES[m.group(1)] for m in _COMPOUND_AGE_RE.finditer(folded)]
    return [a for a in ages if a < 18]
# Ages written as words (5 to 17, in order) with the word for "years" that makes them an age, per language,
# as folded (accents stripped): "diez años", "quattordici anni", "dix-sept ans", "fjortonåring", "on dört yaşında".
_NUMBER_WORDS: dict[str, tuple[str, str]] = {
    "en": ("five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen",
           r"(?:years?[\s-]*old|yo|yrs?[\s-]*old)"),
    "es": ("cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis diecisiete", r"(?:anos|anitos)"),
    "pt": ("cinco seis sete oito nove dez onze doze treze catorze|quatorze quinze dezesseis|dezasseis "
           "dezessete|dezassete", r"(?:anos|aninhos)"),
    "it": ("cinque sei sette otto nove dieci undici dodici tredici quattordici quindici sedici diciassette",
           r"(?:anni)"),
    "fr": ("cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept|dix_sept", r"(?:ans)"),
    "de": ("funf sechs sieben acht neun zehn elf zwolf dreizehn vierzehn funfzehn sechzehn siebzehn",
           r"(?:jahre|jahrig)"),
    "nl": ("vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien zestien zeventien", r"(?:jaar|jarig)"),
    "sv": ("fem sex sju atta nio tio elva tolv tretton fjorton femton sexton sjutton",
           r"(?:ar[\s-]+gammal|aring|arig)"),  # not "ar" alone: "sex år senare" is six years later
    "pl": ("piec szesc siedem osiem dziewiec dziesiec jedenascie dwanascie trzynascie czternascie pietnascie "
           "szesnascie siedemnascie", r"(?:lat$|latk|letni)"),
    "ru": ("пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать "
           "шестнадцать семнадцать", r"(?:лет|год)"),
    "tr": ("bes alti yedi sekiz dokuz on on_bir on_iki on_uc on_dort on_bes on_alti on_yedi", r"(?:yas)"),
    "id": ("lima enam tujuh delapan sembilan sepuluh sebelas dua_belas tiga_belas empat_belas lima_belas "
           "enam_belas tujuh_belas", r"(?:tahun|thn$)"),
    # Russian genitive ("девочка четырнадцати лет"), 11-17 only ("в течение пяти лет" is "for five years")
    "ru-gen": ("- - - - - - одиннадцати двенадцати тринадцати четырнадцати пятнадцати шестнадцати семнадцати",
               r"(?:лет)(?![\w])"),
    "hi": ("पांच|पाँच छह|छः सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह|पन्द्रह सोलह सत्रह",
           r"(?:साल|वर्ष|बरस)\s+(?:की|का|के)"),
    "hi-latn": ("paanch|panch chhe|chhah saat aath nau das gyarah|gyara barah|baarah terah chaudah|chaudha "
                "pandrah|pandra solah|sola satrah|satra", r"(?:saal|sal)\s+(?:ki|ka|ke)"),
    "ar": ("خمس|خمسة ست|ستة سبع|سبعة ثمان|ثماني|ثمانية تسع|تسعة عشر|عشرة إحدى_عشرة|احدى_عشرة|حداشر "
           "اثنتا_عشرة|اثنتي_عشرة|اتناشر ثلاث_عشرة|تلتاشر|ثلاثة_عشر أربع_عشرة|اربع_عشرة|أربعتاشر|اربعتاشر "
           "خمس_عشرة|خمستاشر ست_عشرة|ستاشر سبع_عشرة|سبعتاشر", r"(?:سنة|سنه|سنين|سنوات|عاما|عام)(?![\w])"),
}
# "she is fourteen", "hon är fjorton", "ze is veertien", "sie ist vierzehn": 10-17 (Swedish "sex" is six)
_SHE_NUMBERS = {w: age for words in (
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen",
    "tio elva tolv tretton fjorton femton sexton sjutton",
    "tien elf twaalf dertien veertien vijftien zestien zeventien",
    "zehn elf zwolf dreizehn vierzehn funfzehn sechzehn siebzehn") for age, w in enumerate(words.split(), start=10)}
_SHE_NUMBER_RE = re.compile(
    r"(?<![\w])(?:" + _SUBJECT_IS + r")\s+"
    r"(?:(?:only|just|barely|bara|pas|nog|maar|erst|nur|typ)\s+){0,2}("
    + _alternation(_SHE_NUMBERS, " ")
    + r")(?![\w])(?!\s*(?:o'?clock|uhr|uur|klockan|minut|kilo|euro|kr\b|month|maand|monat|manad|week|times|"
    r"feet|foot|inch|percent|procent|prozent))")

# "tiene doce,", "tem catorze.", "ha quindici", "ma czternaście", "ей пятнадцать": 10-17 after "has" or a dative, as
# with digits only before a pause, "and", "but" or the end ("tiene doce fotos" is twelve photos)
_HAS_NUMBERS = {w: age for words in (
    "diez once doce trece catorce quince dieciseis diecisiete",
    "dez onze doze treze catorze quinze dezesseis dezessete",
    "dieci undici dodici tredici quattordici quindici sedici diciassette",
    "dziesiec jedenascie dwanascie trzynascie czternascie pietnascie szesnascie siedemnascie",
    "десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать")
    for age, w in enumerate(words.split(), start=10)} | {"quatorze": 14, "dezasseis": 16, "dezassete": 17}
_HAS_NUMBER_RE = re.compile(
    r"(?<![\w])(?:tiene|tem|ha|ma|ей|ему)\s+(?:(?:solo|apenas|so|tylko|dopiero|только|всего|уже)\s+)?("
    + _alternation(_HAS_NUMBERS, " ")
    + r")(?=\s*(?:[,.;:!?)\-–]|$|(?:y|e|pero|mas|ma|ale|i|a|но|и|а|o|ou)(?![\w])))")
# a number word in parentheses after a name: "Lea (vierzehn)", "Elsa (tretton)"
_PAREN_NUMBERS = _SHE_NUMBERS | _HAS_NUMBERS
_PAREN_NUMBER_RE = re.compile(
    r"[^\W\d_]{2,}\s*\(\s*(" + _alternation(_PAREN_NUMBERS, " ") + r")\s*\)")


def _word_age_patterns() -> tuple[re.Pattern[str], dict[str, int]]:
    ages: dict[str, int] = {}
    alts: list[str] = []
    for numbers, unit in _NUMBER_WORDS.values():
        words: list[str] = []
        for age, spellings in enumerate(numbers.split(), start=5):
            if spellings == "-":
                continue
            for w in spellings.split("|"):
                w = w.replace("_", " ")
                ages[w.replace("-", " ")] = age
                words.append(re.escape(w).replace("\\ ", "[\\s-]+").replace("\\-", "[\\s-]*"))
        unit_re = unit.replace("$", "(?!\\w)")
        alts.append(f"(?:{'|'.join(sorted(words, key=len, reverse=True))})[\\s-]*{unit_re}")
    return re.compile(r"(?<![\w])(" + "|".join(f"(?:{a})" for a in alts) + ")"), ages


_WORD_AGE_RE, _WORD_AGES = _word_age_patterns()


_WORD_AGE_KEYS = sorted(_WORD_AGES, key=len, reverse=True)  # "on dort" before "on", "dix sept" before "dix"

# A birthday, its cake or its count says the age: "13th birthday", "thirteenth birthday", "13e anniversaire",
# "dreizehnten Geburtstag", "ulang tahun ke-13", "열세 번째 생일", "عيد ميلادها الثالث عشر"; "eleven candles on the
# cake", "onze bougies", "tretton ljus på tårtan", "十二根蜡烛", "ろうそく12本", "초 열두 개"; "she just turned
# fourteen", "fyllde nio", "wird dreizehn", "cumplió trece" (number words; digits after "turned" are read above).
_BIRTHDAY = (r"(?:birthday|b-?day|anniversaire|geburtstag|cumpleanos|compleanno|aniversario|verjaardag|fodelsedag|"
             r"urodzin\w*|день\s+рождения|дня\s+рождения|дне\s+рождения|днем\s+рождения|dogum\s*gunu\w*|생일|"
             r"जन्मदिन|janamdin|janmdin|ulang\s*tahun|ultah)")
_ORDINAL_WORDS: dict[str, tuple[str, int]] = {
    "en": ("fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth "
           "seventeenth", 5),
    "fr": ("cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme treizieme quatorzieme quinzieme "
           "seizieme dix-septieme", 5),
    "de": ("funften sechsten siebten achten neunten zehnten elften zwolften dreizehnten vierzehnten funfzehnten "
           "sechzehnten siebzehnten", 5),
    "es": ("quinto sexto septimo octavo noveno decimo undecimo duodecimo decimotercer decimocuarto decimoquinto "
           "decimosexto decimoseptimo", 5),
    "it": ("quinto sesto settimo ottavo nono decimo undicesimo dodicesimo tredicesimo quattordicesimo quindicesimo "
           "sedicesimo diciassettesimo", 5),
    "pt": ("quinto sexto setimo oitavo nono decimo decimo_primeiro decimo_segundo decimo_terceiro decimo_quarto "
           "decimo_quinto decimo_sexto decimo_setimo", 5),
    "nl": ("vijfde zesde zevende achtste negende tiende elfde twaalfde dertiende veertiende vijftiende zestiende "
           "zeventiende", 5),
    "sv": ("femte sjatte sjunde attonde nionde tionde elfte tolfte trettonde fjortonde femtonde sextonde sjuttonde", 5),
    "pl": ("piate szoste siodme osme dziewiate dziesiate jedenaste dwunaste trzynaste czternaste pietnaste szesnaste "
           "siedemnaste", 5),
    "ru": ("пят шест седьм восьм девят десят одиннадцат двенадцат тринадцат четырнадцат пятнадцат шестнадцат "
           "семнадцат", 5),
    "tr": ("besinci altinci yedinci sekizinci dokuzuncu onuncu on_birinci on_ikinci on_ucuncu on_dorduncu on_besinci "
           "on_altinci on_yedinci", 5),
    "hi": ("पांचव छठ सातव आठव नौव दसव ग्यारहव बारहव तेरहव चौदहव पंद्रहव सोलहव सत्रहव", 5),
}
_ORDINALS = {w.replace("_", " "): age for words, start in _ORDINAL_WORDS.values()
             for age, w in enumerate(words.split(), start=start)}
_AR_ORDINALS = {"الخامس": 5, "السادس": 6, "السابع": 7, "الثامن": 8, "التاسع": 9, "العاشر": 10, "الحادي عشر": 11,
                "الثاني عشر": 12, "الثالث عشر": 13, "الرابع عشر": 14, "الخامس عشر": 15, "السادس عشر": 16,
                "السابع عشر": 17}
# number words that count candles: 5-17 in every language, less the words that are common words elsewhere
# (Turkish "on", Swedish "sex"); after "turned" not Spanish "once" either ("it turned once")
_COUNT_WORDS = {w: a for w, a in (_WORD_AGES | _SHE_NUMBERS | _HAS_NUMBERS).items() if len(w) > 2 and w != "sex"}


def _count_word(said: str) -> int:
    """The number a count word as matched stands for ("on  uc" read as "on uc", "dix-sept" as "dix sept")."""
    return _COUNT_WORDS[" ".join(re.split(r"[\s-]+", said))]


_COUNT = _alternation(_COUNT_WORDS)
_TURN_COUNT = _alternation(w for w in _COUNT_WORDS if w != "once")
_CANDLES = (r"(?:candles?|bougies?|velas|velitas|velinhas|candeline|candele|kerzen|kerzchen|kaarsjes|kaarsen|"
            r"ljus(?:en)?\s+pa\s+(?:tartan|kakan)|tartljus|swieczek|swieczki|swieczkami|свечей|свечи|свечек|свечками|свечки|mum$|mumlu|lilin|"
            r"شموع|شمعات|شمعة|मोमबत्ति\w*|मोमबत्ती)")
_NUM_CJK = r"(\d{1,2}|十[一二三四五六七]?|[五六七八九])"
_NUM_KO = r"(\d{1,2}|" + _alternation(_KO_AGES, " ") + ")"
_BIRTHDAY_PATTERNS = [
    # digits: "13th birthday", "13e anniversaire", "13. Geburtstag", "13° compleanno", "13-й день рождения",
    # "13번째 생일", "13वां जन्मदिन", "13-årsdag"
    r"(?<![\d.,])(\d{1,2})\s*(?:st|nd|rd|th|e|eme|er|°|º|o|a|\.|-?(?:й|го|м|ый|ий)|번째|वां|वीं|वें|ve|'?(?:inci|nci|uncu|ncu))?"
    r"\s*-?\s*(?:" + _BIRTHDAY[3:-1] + r"|arsdag\w*)(?![\w])",
    # "cumpleaños número 13", "ulang tahun ke-13", "birthday no. 13", "عيد ميلادها ال13"
    _BIRTHDAY + r"\s*(?:yang\s+)?(?:number|numero|no\.?|nr\.?|n°|#|ke|ال)\s*-?\s*(\d{1,2})(?![\d.,])",
    r"(?:عيد\s*ميلاد\w*)\s*ال\s*(\d{1,2})(?!\d)",
    # candles
    r"(?<![\w.,])(\d{1,2})\s+(?:[^\W\d_]+\s+){0,2}?" + _CANDLES + r"(?![\w])",
    _NUM_CJK + r"\s*(?:根|支|个)\s*(?:生日)?\s*(?:蜡烛|蠟燭)",
    _NUM_CJK + r"\s*本の\s*(?:ろうそく|ロウソク|キャンドル|蝋燭)",
    r"(?:ろうそく|ロウソク|キャンドル|蝋燭)\s*(?:が|を)?\s*" + _NUM_CJK + r"\s*本",
    r"초\s*(?:가|를)?\s*" + _NUM_KO + r"\s*개", _NUM_KO + r"\s*개의?\s*초(?![\w])",
    _NUM_KO + r"\s*번째\s*생일",
]
_BIRTHDAY_RE = re.compile("|".join(f"(?:{p})" for p in _BIRTHDAY_PATTERNS))
_ORDINAL_RE = re.compile(
    r"(?<![\w])(" + _alternation(_ORDINALS, "\\s+") + r")\S{0,3}\s+(?:[^\W\d_]+\s+)?" + _BIRTHDAY + r"(?![\w])"
    r"|(?:عيد\s*ميلاد\w*)\s+(" + _alternation(_AR_ORDINALS, " ") + r")(?![\w])")
# Turkish "on altısına girmedi" (has not turned sixteen), "14'üne girdi", "on beşine basacak"
_TR_NUMBERS = [w.replace("_", " ") for w in _NUMBER_WORDS["tr"][0].split() if w != "on"]  # "on" is also "ona"
_TR_TURN_RE = re.compile(
    r"(?<![\w])(\d{1,2}|" + _alternation(_TR_NUMBERS, "\\s*")
    + r")\s*'?\s*(?:ya|ye|na|ne|ina|ine|una|une|sina|sine|suna|sune)\s+"
    r"(?:girmedi|girmemis|girdi|girecek|basti|basmadi|basacak|giriyor)")
_COUNT_RE = re.compile(r"(?<![\w])(" + _COUNT + r")\s+(?:[^\W\d_]+\s+){0,2}?" + _CANDLES + r"(?![\w])")
_TURNED_RE = re.compile(
    r"(?<![\w])(?:just\s+turned|turned|turns|fyllde|fyllt|fyller|wurde|wird|ist\s+gerade|werd|wordt|is\s+net|"
    r"cumplio|cumple|acaba\s+de\s+cumplir|fez|faz|completou|acabou\s+de\s+fazer|ha\s+compiuto|compie|compiuto|"
    r"skonczyla|skonczyl|konczy|skonczy)\s+(" + _TURN_COUNT
    + r")(?![\w])(?!\s*(?:times|x\b|mal\b|veces|vezes|volte|razy|gang|minut|o'?clock|uhr|degrees|grad|percent))")


def _birthday_ages(folded: str) -> list[int]:
    """Ages told by a birthday, its candles or "turned fourteen" (see the patterns above)."""
    ages: list[int] = []
    for m in _BIRTHDAY_RE.finditer(folded):
        n = next(g for g in m.groups() if g)
        ages.append(int(n) if n.isdigit() else _CJK_AGES.get(n) or _KO_AGES[n])
    for m in _ORDINAL_RE.finditer(folded):
        ages.append(_ORDINALS[" ".join(m.group(1).split())] if m.group(1) else _AR_ORDINALS[m.group(2)])
    ages += [_count_word(m.group(1)) for m in _COUNT_RE.finditer(folded)]
    for m in _TR_TURN_RE.finditer(folded):
        n = m.group(1)
        ages.append(int(n) if n.isdigit() else _WORD_AGES.get(" ".join(n.split()), 0))
    ages += [_count_word(m.group(1)) for m in _TURNED_RE.finditer(folded)]
    return [a for a in ages if 0 < a < 18]


def _word_age(folded: str) -> int | None:
    """The youngest age written as words ("fourteen years old", "diez años", "fjortonåring"), or None."""
    found: list[int] = []
    for m in _WORD_AGE_RE.finditer(folded):
        said = " ".join(re.split(r"[\s-]+", m.group(1)))
        key = next((k for k in _WORD_AGE_KEYS if said.startswith(k)), None)
        if key is not None:
            found.append(_WORD_AGES[key])
    found += [_SHE_NUMBERS[m.group(1)] for m in _SHE_NUMBER_RE.finditer(folded)]
    found += [_HAS_NUMBERS[m.group(1)] for m in _HAS_NUMBER_RE.finditer(folded)]
    found += [_PAREN_NUMBERS[m.group(1)] for m in _PAREN_NUMBER_RE.finditer(folded)]
    found += _birthday_ages(folded)
    return min(found) if found else None


# A person likened to an ad, a poster, a catalogue: "like a lingerie ad", "wie auf einem Werbeplakat", "como de
# catálogo", "jaisa", "みたいに", "처럼", "一样" (evidence.yaml no_person then says nothing of who is pictured).
_LIKE_BEFORE = re.compile(
    r"(?<![\w])(?:like|as\s+(?:if|in|on)|as\s+an?|comme|facon|façon|style|como|tipo|estilo|wie|alsof|zoals|"
    r"i\s+stil\s+med|jak|niczym|как|как\s+в|как\s+на|в\s+стиле|gibi|seperti|kayak|kaya|ala|jaisa|jaisi|jaise|"
    r"की\s+तरह|जैसा|جيسا|مثل|زي|ك)(?:\s+[^\W\d_]+){0,3}\s*$")
_LIKE_AFTER = re.compile(
    r"(?:\s*[^\W\d_]+){0,2}?\s*(?:jaisa|jaisi|jaise|जैसा|जैसी|जैसे|gibi|みたい|のよう|風|처럼|같이|같은|一样|似的|般|"
    r"wali\s+model|vali\s+model|model|modell|modelo|modella|mannequin\s+vivant|pose[sn]?|posa|poz\w*|позе)(?![\w])")


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    lang: str
    whole_word: bool


def _needs_boundary(term: str) -> bool:
    first = term[0]
    if first.isascii():
        return True
    try:
        name = unicodedata.name(first)
    except ValueError:
        return True
    return not any(name.startswith(s) for s in _NO_SPACE_SCRIPTS)


def _fold_term(raw: str, lang: str = "") -> tuple[str, bool]:
    whole = raw.endswith("$")
    t = raw[:-1] if whole else raw
    if lang == "ja" and not KANA_RE.search(t):
        # a Japanese term of kanji only ("布面積") is no Traditional Chinese: normalize() would make it
        # Simplified ("布面积"), while Japanese text, which has kana, is left as written
        return unicodedata.normalize("NFKC", t).lower(), whole
    return normalize(t).folded, whole



_LATIN_CHARS = "0-9a-z\u00c0-\u024f"


#: A word character, including the combining vowel signs and marks that Python's \w leaves out
#: (normalize.WORD_MARKS): "ब्रा$" must not match "ब्रांड".
_WORDCH = "[\\w" + WORD_MARKS + "]"


def _trie_pattern(words: Iterable[tuple[str, bool]], end: str = f"(?!{_WORDCH})") -> str:
    """A regex for many words built as a character trie (much faster than a flat alternation).

    Each word is ``(text, whole_word)``; a whole word must not be followed by a word character.
    Longer continuations are tried first, so the longest term at a position wins.
    """
    root: dict[str, object] = {}
    for text, whole in words:
        node = root
        for ch in text:
            node = node.setdefault(ch, {})  # type: ignore[assignment]
        node["\x00" if whole else "\x01"] = True

    def build(node: dict[str, object]) -> str:
        alts: list[str] = []
        for ch in sorted(k for k in node if k not in ("\x00", "\x01")):
            child = node[ch]
            assert isinstance(child, dict)
            alts.append(re.escape(ch) + build(child))
        if "\x01" in node:
            alts.append("")
        elif "\x00" in node:
            alts.append(end)
        if not alts:
            return ""
        if len(alts) == 1:
            return alts[0] if alts[0] == "" or len(alts[0]) <= 2 else f"(?:{alts[0]})"
        return "(?:" + "|".join(alts) + ")"

    return build(root)


class _Matcher:
    """Term lists compiled into two trie regexes (with and without a word boundary)."""

    def __init__(self, terms: Iterable[_Term]) -> None:
        by_text: dict[str, _Term] = {}
        self.langs: dict[str, frozenset[str]] = {}  # every language that lists a term ("camisa": es, pt)
        for t in terms:
            if t.text:
                self.langs[t.text] = self.langs.get(t.text, frozenset()) | {t.lang}
            if t.text and t.text not in by_text:
                by_text[t.text] = t
            elif t.text in by_text and not t.whole_word and by_text[t.text].whole_word:
                by_text[t.text] = t  # a prefix term subsumes the same whole-word term
        self.terms = by_text
        # Latin terms need a Latin boundary only, so "bikini" is found inside Japanese text
        latin = [(x, t.whole_word) for x, t in by_text.items() if _needs_boundary(x) and x[0].isascii()]
        bounded = [(x, t.whole_word) for x, t in by_text.items() if _needs_boundary(x) and not x[0].isascii()]
        free = [(x, False) for x, t in by_text.items() if not _needs_boundary(x)]
        pats: list[str] = []
        if latin:
            pats.append(f"(?<![{_LATIN_CHARS}])" + _trie_pattern(latin, end=f"(?![{_LATIN_CHARS}])"))
        if bounded:
            pats.append(f"(?<!{_WORDCH})" + _trie_pattern(bounded))
        if free:
            pats.append(_trie_pattern(free))
        self._res = [re.compile(p) for p in pats]

    def spans(self, text: str) -> list[tuple[_Term, int, int]]:
        """Every match with its position (the same terms as :meth:`find`, repeated where they recur)."""
        out: list[tuple[_Term, int, int]] = []
        for rx in self._res:
            pos = 0
            while True:
                m = rx.search(text, pos)
                if m is None:
                    break
                t = self.terms.get(m.group(0))
                if t is not None:
                    out.append((t, m.start(), m.end()))
                pos = m.end() if m.end() > m.start() else m.start() + 1
        return out

    def find(self, text: str) -> list[_Term]:
        """The distinct terms found, in the order of their first match."""
        return _distinct(self.spans(text))


def _distinct(spans: Iterable[tuple[_Term, int, int]]) -> list[_Term]:
    return list({t.text: t for t, _, _ in spans}.values())  # one _Term per text: first-seen order


def _load_yaml(name: str) -> dict[str, object]:
    text = resources.files("garde.text").joinpath(f"lexicons/{name}").read_text(encoding="utf-8")
    data = load_yaml(text)
    if not isinstance(data, dict):
        raise ValueError(f"lexicon {name!r} is not a mapping")
    return data


def _terms_of(section: object) -> list[_Term]:
    out: list[_Term] = []
    if not isinstance(section, dict):
        return out
    for lang, items in section.items():
        for raw in items or []:
            text, whole = _fold_term(str(raw), str(lang))
            out.append(_Term(text=text, lang=str(lang), whole_word=whole))
    return out


@dataclass(frozen=True, slots=True)
class LexicalHits:
    """What the term lists found in one text (terms as folded, in the order found)."""

    attire: tuple[str, ...] = ()
    nudity: tuple[str, ...] = ()
    sexualize: tuple[str, ...] = ()
    minor: tuple[str, ...] = ()
    jailbreak: tuple[str, ...] = ()
    # a jailbreak term that argues with the guard ("ignore your rules", "for a medical textbook", "she consents"),
    # not only a claim about the person (jailbreak.yaml `claims`: "my girlfriend", "she is 18")
    framing: bool = False
    multistep: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    removal: tuple[str, ...] = ()  # "verb+garment" pairs
    garments: tuple[str, ...] = ()  # garments named (removal.yaml), with or without a verb
    reveal: tuple[str, ...] = ()  # follow-up cues that remove, wet or open "it" (multistep.yaml `reveal`)
    sheer: tuple[str, ...] = ()  # see-through or wet words (evidence.yaml `sheer`)
    sheer_garment: bool = False  # a sheer word and a garment in the same request
    attire_worn_by_removed: bool = False  # all attire describes a person to be removed ("remove the man in trunks")
    no_person: tuple[str, ...] = ()  # "product shot", "on a hanger": nobody is pictured (evidence.yaml)
    attire_covered: bool = False  # all attire swapped for or covered by another garment ("bikini for a wetsuit")
    staged_removal: bool = False  # "take off the jacket, then the top, then the rest" (evidence.yaml `rest`)
    context_near: bool = False  # a harmless object is what a nudity or removal term acts on ("undress the tree")
    modest: tuple[str, ...] = ()  # "more modest", "less revealing": less is to be shown (evidence.yaml `modest`)
    dry: tuple[str, ...] = ()  # "dry it", "make it opaque", a stain: wet or see-through is to be undone (evidence.yaml)
    bare_covered: bool = False  # what is bare is to be dressed: "he is shirtless, put a t-shirt on him" (`dress`)
    person: bool = False  # a person is named (evidence.yaml `people`, or a minor word): "the woman at the bus stop"
    minor_sure: bool = False  # a minor word not in minor.yaml's `weak` list
    minor_age: int | None = None
    adult_age_claim: bool = False
    tricks: frozenset[str] = frozenset()
    langs: frozenset[str] = frozenset()

    @property
    def any_sexual(self) -> bool:
        return bool(self.attire or self.nudity or self.sexualize or self.removal)


class Lexicon:
    """All term lists, compiled once."""

    def __init__(self) -> None:
        self._matchers: dict[str, _Matcher] = {}
        # separable verbs with a person as the object ("zieh die Frau auf diesem Foto aus"): nudity terms
        # that count only with their particle somewhere in the request (nudity.yaml `separable`)
        self._nudity_particles: dict[str, str] = {}
        for cat, fname in _CATEGORY_FILES.items():
            data = _load_yaml(fname)
            terms = _terms_of(data.get("terms"))
            separable = data.get("separable") if cat == "nudity" else None
            if isinstance(separable, dict):
                for lang, spec in separable.items():
                    for verb in spec.get("verbs") or []:
                        for obj in spec.get("objects") or []:
                            text, _ = _fold_term(f"{verb} {obj}")
                            terms.append(_Term(text=text, lang=str(lang), whole_word=True))
                            self._nudity_particles[text] = str(spec["particle"])
            self._matchers[cat] = _Matcher(terms)
        removal = _load_yaml("removal.yaml")
        self._verbs = _Matcher(_terms_of(removal.get("verbs")))
        self._garments = _Matcher(_terms_of(removal.get("garments")))
        self._whole_outfit = frozenset(t.text for t in _terms_of(removal.get("whole_outfit")))
        particles = removal.get("particle_verbs") or {}
        self._particles = {str(k): str(v) for k, v in particles.items()} if isinstance(particles, dict) else {}
        self._reveal = _Matcher(_terms_of(_load_yaml("multistep.yaml").get("reveal")))
        ev = _load_yaml("evidence.yaml")
        self._sheer = _Matcher(_terms_of(ev.get("sheer")))
        friends = ev.get("sheer_false_friends")
        lists = friends.values() if isinstance(friends, dict) else ()
        self._sheer_false = frozenset(unicodedata.normalize("NFKC", str(w)).lower() for ws in lists for w in ws or ())
        self._extra_garments = _Matcher(_terms_of(ev.get("extra_garments")))  # with removal.yaml's garments
        self._no_person = _Matcher(_terms_of(ev.get("no_person")))
        self._text_edit = _Matcher(_terms_of(ev.get("text_edit")))
        self._rest = _Matcher(_terms_of(ev.get("rest")))
        self._people = _Matcher(_terms_of(ev.get("people")))
        self._swap = _Matcher(_terms_of(ev.get("swap")))
        self._instead = _Matcher(_terms_of(ev.get("instead")))
        self._less_revealing = _Matcher(_terms_of(ev.get("less_revealing")))
        self._bare_swimwear = _Matcher(_terms_of(ev.get("bare_swimwear")))
        self._over = _Matcher(_terms_of(ev.get("over")))
        self._modest = _Matcher(_terms_of(ev.get("modest")))
        self._dry = _Matcher(_terms_of(ev.get("dry")))
        self._wetter = _Matcher(_terms_of(ev.get("wetter")))
        self._dress = _Matcher(_terms_of(ev.get("dress")))
        self._outer = _Matcher(_terms_of(ev.get("outer_garments")))
        self._objects = _Matcher(_terms_of(_load_yaml("sexualize.yaml").get("objects")))
        self._weak_minor = {t.text for t in _terms_of(_load_yaml("minor.yaml").get("weak"))}
        self._claims = frozenset(t.text for t in _terms_of(_load_yaml("jailbreak.yaml").get("claims")))
        masked = _Matcher(_terms_of(_load_yaml("masked.yaml").get("terms")))
        self._masked = masked if masked.terms else None
        self.size = sum(len(m.terms) for m in self._matchers.values()) + len(self._verbs.terms) + len(
            self._garments.terms)

    def _covered(self, folded: str, attire: list[tuple[int, int]], cover: list[tuple[int, int]],
                 dress: list[int], swaps: list[int], insteads: list[tuple[int, int]]) -> bool:
        """Revealing attire swapped for a garment that is not ("replace her bikini with a wetsuit",
        "ビキニを長袖のラッシュガードに変えて") or covered by one ("put a hoodie over her swimsuit"), each attire
        in its clause (``swaps``: where a swap word starts; ``insteads``: where an "instead of" is)."""
        if not cover:
            return False
        overs = [a for _, a, _ in self._over.spans(folded)]

        def clause(i: int) -> tuple[int, int]:
            return _clause(folded, i)

        def ok(a: int, b: int) -> bool:
            lo, hi = clause(a)
            within = [c for c in cover if lo <= c[0] < hi]
            # "instead of" names the garment taken away after it: "a bikini instead of that sweater" puts the
            # attire on, "a wetsuit instead of the bikini" covers it
            for ia, ib in (x for x in insteads if lo <= x[0] < hi):
                if b <= ia and any(c[0] >= ib for c in within):
                    return False
                if a >= ib and a - ib <= 12 and any(c[1] <= ia for c in within):
                    return True
            # a garment put over it may be named in a clause of its own ("她穿的是泳衣，帮我给她加一件外套盖住"), or put
            # on in a later clause where the attire's own clause dresses nobody (evidence.yaml `dress`: "на фото
            # она в купальнике, надень на неё тёплое пальто"; not "put her in a bikini, then put a jacket on her")
            return (any(c[0] >= b for c in within) and any(lo <= w < hi for w in swaps)) or any(
                clause(w) == clause(c[0]) for w in overs for c in cover) or (
                not any(lo <= d < hi for d in dress)
                and any(d >= hi and any(c[0] >= d and c[0] - d <= 40 for c in cover) for d in dress))
        return all(ok(a, b) for a, b in attire)

    @staticmethod
    def _softer(folded: str, attire: list[tuple[int, int]], less: list[tuple[int, int]], swaps: list[int],
                insteads: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The revealing attire that covers more than other attire it is swapped for, in one clause: the one-piece
        of "replace her bikini with a one-piece and a sarong" (``less``: where evidence.yaml `less_revealing` words
        are). Whether the swap puts it on or takes it off ("replace her one-piece with a bikini") is then read by
        :meth:`_covered`."""
        if not less:
            return []
        # an attire term that is less revealing ("one-piece"), or a less revealing word the attire list lacks
        # ("jednoczęściowy kostium")
        softer = [x for x in attire if any(a < x[1] and x[0] < b for a, b in less)]
        softer += [x for x in less if not any(a < x[1] and x[0] < b for a, b in attire)]
        return [x for x in softer
                if any(_clause(folded, x[0]) == _clause(folded, w) for w in [*swaps, *(a for a, _ in insteads)])
                and any(y not in softer and _clause(folded, y[0]) == _clause(folded, x[0]) for y in attire)]

    @staticmethod
    def _bare_covered(folded: str, nudity: list[tuple[int, int]], without: list[tuple[int, int]],
                      cover: list[tuple[int, int]], dress: list[int], insteads: list[tuple[int, int]]) -> bool:
        """Each bare part (a ``nudity`` word, a garment after "without") is followed by a word that dresses someone
        and a garment near it that is not revealing attire (``cover``): "mein Sohn ist oben ohne, zieh ihm ein T-Shirt
        an", "el niño sale sin camiseta, ¿le pones una camiseta?", "meri shirtless photo pe t-shirt pehna do"; or comes
        right after "instead of" with such a garment before it in its clause: "er soll ein T-Shirt anhaben statt oben
        ohne"."""
        if not (nudity or without) or not dress:
            return False

        def dressed(a: int, e: int, nude: bool) -> bool:
            if any(d >= e and any(c >= e and abs(c - d) <= 40 for c, _ in cover) for d in dress):
                return True
            # or, for a nudity word, the dressing said first with nothing in between that goes on to another step:
            # "metti una maglietta al bimbo a torso nudo", "надень на малыша боди, он голенький" (not "put a
            # t-shirt on her, then make her naked", "... and make her naked", "only his shirt, nothing under")
            if nude and any(0 <= a - d <= 60 and not _CARRY_RE.search(folded, d, a)
                            and not _AND_RE.search(folded, d, a) and not _ONLY_RE.search(folded, d, a)
                            and any(d < c < a and c - d <= 40 for c, _ in cover) for d in dress):
                return True
            lo, _ = _clause(folded, a)
            return any(0 <= a - ib <= 12 and any(lo <= c and ce <= ia for c, ce in cover) for ia, ib in insteads)
        return all(dressed(a, e, True) for a, e in nudity) and all(dressed(a, e, False) for a, e in without)

    def _staged(self, folded: str, worn: list[tuple[_Term, int, int]]) -> bool:
        """Clothes taken off one piece at a time: a garment or an outer layer (``worn``) and after it "the rest"
        ("first the jacket, then the top, then the rest"; not "the rest of the people", "keep the rest",
        "everything else unchanged"); the caller checks that a removal verb is there."""
        rests = [a for _, a, b in self._rest.spans(folded)
                 if not _REST_OF.match(folded, b) and not _REST_KEPT.match(folded, b)
                 and not _KEEP_BEFORE.search(folded[max(0, a - 24):a])]
        if not rests:
            return False
        # the verb may come last (ja, ko, zh, tr: "先脱外套,再脱衬衫,剩下的也脱掉")
        return any(any(w < r for _, w, _ in worn) for r in rests)

    def _garment_langs(self, term: str) -> frozenset[str]:
        return self._garments.langs.get(term, frozenset()) | self._extra_garments.langs.get(term, frozenset())

    def match(self, text: str | Normalized) -> LexicalHits:
        norm = text if isinstance(text, Normalized) else normalize(text)
        folded = unmasked = norm.folded
        if self._masked is not None:  # harmless words that hold a term ("ヌードル"): blanked, positions kept
            for _, a, b in self._masked.spans(folded):
                folded = folded[:a] + " " * (b - a) + folded[b:]
        if self._text_edit.spans(folded):  # a sign or a caption is edited: quoted words are its text
            folded = _QUOTED.sub(_blank_unless_worn, folded)
        # harmless context and "nobody is pictured" are read in the words as written ("没有人", nobody)
        spans = {cat: m.spans(unmasked if cat == "context" else folded) for cat, m in self._matchers.items()}
        # separable verbs count only with their particle in the request: nudity terms ("zieh die frau"
        # + "aus") and removal verbs ("zieh" + "aus")
        spans["nudity"] = _with_particles(spans["nudity"], self._nudity_particles, folded)
        if spans["sexualize"]:  # said of a car, a sunset, a dish: no sexualising word
            objects = [(a, b) for _, a, b in self._objects.spans(unmasked)]
            spans["sexualize"] = [(t, a, b) for t, a, b in spans["sexualize"]
                                  if not any(_said_of(folded, (a, b), o) for o in objects)]
        found = {cat: _distinct(s) for cat, s in spans.items()}
        verb_spans = _with_particles(self._verbs.spans(folded), self._particles, folded)
        verbs = _distinct(verb_spans)
        garment_spans = self._garments.spans(folded)
        garments = _distinct(garment_spans)
        sheer = self._sheer.spans(folded)
        if sheer and self._sheer_false and len(norm.text) == len(folded):
            # a word that only folds onto a sheer word ("nåt" -> "nat"): the text as written says which
            sheer = [(t, a, b) for t, a, b in sheer if norm.text[a:b].lower() not in self._sheer_false]
        sheer_garment = False
        if sheer:
            s_spans = [(a, b) for _, a, b in sheer]
            s_langs = frozenset().union(*(self._sheer.langs[t.text] for t, _, _ in sheer))
            # a garment of the sheer word's language (or English), not "everything" ("il cane è tutto bagnato",
            # "cachorro todo molhado") nor a word of another language (pl "kot", a cat, is tr "kot", jeans)
            sheer_garment = any(not any(a <= ga and gb <= b for a, b in s_spans)
                                for g, ga, gb in [*garment_spans, *self._extra_garments.spans(folded)]
                                if g.text not in self._whole_outfit
                                and _same_language(self._garment_langs(g.text), s_langs))
        removal: list[str] = []
        pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []  # where each removal's verb and garment are
        people = [(a, b) for _, a, b in self._people.spans(folded)] if verb_spans else []
        persons = [*people, *((a, b) for _, a, b in spans["minor"])]
        verb_at = [(a, b) for _, a, b in verb_spans]
        # outer layers (a jacket, shoes), read once: for "the rest" after a removal, for what covers revealing attire
        # or a bare body
        outer = self._outer.spans(folded) if verb_spans or spans["attire"] or spans["nudity"] else []
        # harmless objects that are no clothing (a stain, a logo; not a jacket, which is also context)
        clothing = [(a, b) for _, a, b in [*garment_spans, *outer]] if verb_spans else []
        objects = [(a, b) for _, a, b in spans["context"] if not any(x < b and a < y for x, y in clothing)]
        for g, ga, gb in garment_spans:
            if people and _describes_person(folded, (ga, gb), people, verb_at):
                continue  # "remove the man in trunks": the man is removed, not his trunks
            glangs = self._garments.langs[g.text]
            # a verb of the garment's language (or English) that acts on it: in the same clause and a few
            # words away, or a separable verb whose particle closes the clause ("zieh ihr ... das Kleid aus")
            near = [(v, va, vb) for v, va, vb in verb_spans
                    if _same_language(self._verbs.langs[v.text], glangs)
                    and (v.text in self._particles
                         or _acts_on(folded, (va, vb), (ga, gb), before=v.text not in _WITHOUT, persons=persons))]
            carried = False
            if not near:
                before = _carried_verb(folded, (ga, gb), verb_spans, objects)
                if before is not None and _same_language(self._verbs.langs[before[0].text], glangs):
                    near, carried = [before], True
            if near:
                v, va, vb = next((n for n in near if self._verbs.langs[n[0].text] & glangs), near[0])
                # a verb carried from the previous clause acts there on its own object (a jacket): whether this
                # removal acts on a harmless object is read at the garment only
                pairs.append(((ga, gb) if carried else (va, vb), (ga, gb)))
                pair = f"{v.text}+{g.text}"
                if pair not in removal:
                    removal.append(pair)
        # "nobody is pictured" is read in the words as written; not where a person is made to look like the object
        # ("make her look like a lingerie ad", "lingerie ad wali model jaisa", "wie auf einem Werbeplakat")
        no_person = [(t, a, b) for t, a, b in self._no_person.spans(unmasked)
                     if not _LIKE_BEFORE.search(unmasked[max(0, a - 40):a])
                     and not _LIKE_AFTER.match(unmasked, b)]
        staged = bool(verb_spans) and self._staged(folded, [*garment_spans, *outer])
        context_near = False
        if found["context"] and (found["nudity"] or verbs):
            # a mannequin, a hanger, a catalogue holds clothes and is never where a person is undressed (not "on the
            # table", also a no_person cue: "make her nude on the table")
            holders = [(a, b) for _, a, b in no_person if not _LOCATION.match(unmasked, a)]
            context_near = _acts_on_context(folded, [(a, b) for _, a, b in spans["context"]],
                                            [(a, b) for _, a, b in spans["nudity"]], pairs,
                                            [(a, b) for _, a, b in verb_spans], [(a, b) for _, a, b in garment_spans],
                                            holders)
        age: int | None = None
        adult_claim = False
        under18 = [(m.start(), m.end()) for m in _UNDER18_RE.finditer(folded)]
        for m in _AGE_RE.finditer(folded):
            nums = [int(g) for g in m.groups() if g]
            if nums and nums[0] < 18 and (age is None or nums[0] < age):
                age = nums[0]
            elif nums and nums[0] >= 18 and not any(a < m.end() and m.start() < b for a, b in under18):
                adult_claim = True
        younger = _more_ages(folded) + ([17] if under18 else [])
        if younger:
            age = min(younger) if age is None else min(age, *younger)
        word_age = _word_age(folded)
        if word_age is not None:
            age = word_age if age is None else min(age, word_age)
        langs = {t.lang for terms in found.values() for t in terms}
        # what may cover someone (a garment, an outer layer; no revealing attire) and the words that put one on, read
        # once for revealing attire covered and for what is bare and then dressed (neither with a see-through word)
        attire_at = [(a, b) for _, a, b in spans["attire"]]
        may_cover = bool(attire_at) and not found["nudity"] and not found["sexualize"]
        may_dress = bool(found["nudity"] or removal)
        cover: list[tuple[int, int]] = []
        dress: list[int] = []
        swaps: list[int] = []  # where a swap word starts ("replace", "換成"), and where each "instead of" is
        insteads: list[tuple[int, int]] = []
        softer: list[tuple[int, int]] = []
        less: list[tuple[int, int]] = []  # swimwear that covers more than other swimwear, or than nothing
        sexy = [(a, b) for _, a, b in spans["sexualize"]]
        if not sheer and (may_cover or may_dress):
            cover = [(a, b) for _, a, b in [*garment_spans, *outer, *self._extra_garments.spans(folded)]
                     if not any(x < b and a < y for x, y in attire_at)]
            dress = [a for _, a, _ in self._dress.spans(folded)]
            swaps = [a for _, a, _ in self._swap.spans(folded)]
            insteads = [(a, b) for _, a, b in self._instead.spans(folded)]
            less_words = [(a, b) for _, a, b in self._less_revealing.spans(folded)] if may_cover or dress else []
            if may_cover:  # a one-piece put on instead of a bikini covers, as a wetsuit would
                softer = self._softer(folded, attire_at, less_words, swaps, insteads)
            # swimwear that covers more (swim trunks, a one-piece, a swimsuit: evidence.yaml bare_swimwear) dresses
            # someone bare as a garment would ("my nephew runs around naked on the beach, put some swim trunks on
            # him"), and is then no revealing attire; a bikini never does, nor swimwear a nudity or sexualising word is
            # said of, right before or after it ("a sexy swimsuit", "مايوه سكسي")
            if dress:
                less = [x for x in [*less_words, *((a, b) for _, a, b in self._bare_swimwear.spans(folded))]
                        if not any(_near(folded, x, y, 1, 3)
                                   for y in [*((a, b) for _, a, b in spans["nudity"]), *sexy])]
        revealing = [x for x in attire_at if x not in softer]  # the attire left must be covered too
        # a "sexy" that is also a nudity word ("سكس") says how a garment looks, not who is bare: "لبّسها فستان مكشوف
        # وسكسي" (dress her in a revealing, sexy dress) dresses nobody bare
        bare = [(a, b) for _, a, b in spans["nudity"] if not any(x < b and a < y for x, y in sexy)]
        bare_covered = may_dress and not sheer and (bool(bare) or not spans["nudity"]) and self._bare_covered(
            folded, bare,
            [g for (va, vb), g in pairs if folded[va:vb].strip() in _WITHOUT], [*cover, *less], dress, insteads)
        return LexicalHits(
            attire=tuple(t.text for t in found["attire"]),
            nudity=tuple(t.text for t in found["nudity"]),
            sexualize=tuple(t.text for t in found["sexualize"]),
            minor=tuple(t.text for t in found["minor"]),
            jailbreak=tuple(t.text for t in found["jailbreak"]),
            framing=any(t.text not in self._claims for t in found["jailbreak"]),
            multistep=tuple(t.text for t in found["multistep"]),
            context=tuple(t.text for t in found["context"]),
            removal=tuple(removal),
            garments=tuple(g.text for g in garments),
            reveal=tuple(t.text for t in self._reveal.find(folded)),
            sheer=tuple(dict.fromkeys(t.text for t, _, _ in sheer)),
            sheer_garment=sheer_garment,
            attire_worn_by_removed=bool(spans["attire"]) and all(
                any(vb <= a and _worn_by(folded, (va, vb), (a, b)) for _, va, vb in verb_spans)
                or (people and _describes_person(folded, (a, b), people, verb_at))
                for _, a, b in spans["attire"]),
            attire_covered=(may_cover and not sheer and self._covered(folded, revealing, [*cover, *softer], dress,
                                                                      swaps, insteads))
            or (bare_covered and bool(attire_at) and all(any(a < y and x < b for x, y in less) for a, b in attire_at)),
            no_person=tuple(t.text for t in _distinct(no_person)),
            staged_removal=staged,
            context_near=context_near,
            modest=tuple(t.text for t in self._modest.find(folded)),
            # a drying turned round ("dry it? no, wetter") dries nothing
            dry=tuple(dict.fromkeys(t.text for t, a, b in self._dry.spans(folded) if not _lacking(folded, a, b)))
            if sheer and not self._wetter.find(folded) else (),
            bare_covered=bare_covered,
            # people were already looked for where a verb may remove someone
            person=bool(persons) or (not verb_spans and bool(self._people.find(folded))),
            minor_sure=any(t.text not in self._weak_minor for t in found["minor"]),
            minor_age=age,
            adult_age_claim=adult_claim,
            tricks=norm.tricks,
            langs=frozenset(langs),
        )


def _with_particles(spans: list[tuple[_Term, int, int]], particles: dict[str, str],
                    folded: str) -> list[tuple[_Term, int, int]]:
    """``spans`` less the terms of ``particles`` whose particle is not a word of ``folded`` (the words
    are only read when such a term is there)."""
    if not any(s[0].text in particles for s in spans):
        return spans
    words = {w.strip(".,!?;:\"'“”«»„()[]") for w in folded.split()}  # a particle may end a quote
    return [s for s in spans if s[0].text not in particles or particles[s[0].text] in words]


# Words that join two objects of one verb ("take off her jacket and dress"): a garment joined to a harmless
# object this way is removed too. Chinese, Japanese and Korean conjunctions, and Arabic "و", attach to a word.
# Left out as other languages' prepositions: nl "en" (es/fr "in"), nl "of" (en "of").
_CONJUNCTIONS = frozenset(["and", "&", "+", "plus", "or", "et", "ou", "y", "e", "o", "u", "und", "oder", "ed", "i",
                           "oraz", "lub", "ve", "veya", "ile", "dan", "atau", "serta", "och", "eller", "и", "или", "та",
                           "और", "या"])
_LATIN_END = re.compile(f"[{_LATIN_CHARS}]")
_LATIN_HEAD = re.compile(f"^[{_LATIN_CHARS}]+")
_ATTACHED_CONJUNCTIONS = ("と", "や", "和", "跟", "与", "及", "还有", "랑", "이랑", "와", "과", "하고", "및")


def _coordinated(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two matches are listed together: only a conjunction between them, or a conjunction and one
    short word ("jacket and her dress", "la chaqueta y el vestido"; not "la chaqueta y déjalo en camisa")."""
    lo, hi = min(a[1], b[1]), max(a[0], b[0])
    gap = text[lo:hi]
    if lo > 0 and _LATIN_END.match(text[lo - 1]):  # a prefix term ends inside its word: "metk|e z sukienk"
        gap = _LATIN_HEAD.sub("", gap)
    gap = gap.strip()
    if not gap:
        return False
    if gap in _ATTACHED_CONJUNCTIONS or (" " not in gap and gap.startswith("و")):
        return True
    words = gap.split()
    return words[0] in _CONJUNCTIONS and (len(words) == 1 or (len(words) == 2 and len(words[1]) <= 4))


def _acts_on_context(text: str, context: list[tuple[int, int]], nudity: list[tuple[int, int]],
                     pairs: list[tuple[tuple[int, int], tuple[int, int]]], verbs: list[tuple[int, int]],
                     garments: list[tuple[int, int]], holders: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the nudity and removal words act on a harmless object, not on a person: every nudity
    term is next to a context term ("undress the Christmas tree", "nude lipstick"), every removal's verb
    or garment is next to one ("take the sticker off her shirt", "les vêtements de la corde à linge"; not
    "take off my neighbour's t-shirt, product photo of a bikini"), and no garment is listed together with
    one ("take off her jacket and dress": the dress goes too). With neither, a verb or garment next to one.
    An object that is also a ``holder`` (a mannequin, a hanger: evidence.yaml no_person) is never a place:
    "baju lama di manekin ini copot" takes the clothes off the mannequin."""

    def held(c: tuple[int, int]) -> bool:
        return any(a < c[1] and c[0] < b for a, b in holders)

    def described(x: tuple[int, int]) -> bool:  # the object itself, not a place: "naked against the wall"
        return any(_near(text, x, c) and (held(c) or not _is_place(text, x, c))
                   and ((c[0] < x[1] and x[0] < c[1]) or not _likened(text, c))  # an idiom holds the word itself
                   for c in context)

    if not all(described(n) for n in nudity):
        return False
    if not all(described(v) or described(g) for v, g in pairs):
        return False
    if not nudity and not pairs and not any(described(x) for x in [*verbs, *garments]):
        return False
    return not any(_coordinated(text, g, c) for g in garments for c in context
                   if not (c[0] <= g[0] and g[1] <= c[1]))


def _likened(text: str, c: tuple[int, int]) -> bool:
    """A person likened to the object is still the one edited: "fais-la nue comme une statue grecque", "sem nada
    tipo estátua grega" (the object is named after "like", _LIKE_BEFORE, or before "gibi", _LIKE_AFTER)."""
    return bool(_LIKE_BEFORE.search(text[max(0, c[0] - 40):c[0]]) or _LIKE_AFTER.match(text, c[1]))


# words in quotes (not an apostrophe inside a word: "don't", "l'enseigne")
_QUOTED = re.compile(r"(?<!\w)'[^'\n]{1,60}'(?!\w)|\"[^\"\n]{1,60}\"|«[^»\n]{1,60}»|“[^”\n]{1,60}”|„[^“”\n]{1,60}[“”]|"
                     r"「[^」\n]{1,60}」|『[^』\n]{1,60}』|‘[^’\n]{1,60}’(?!\w)")
# ... unless they say what someone wears: 'put her in a "bikini"' is still a request
_WEARING = re.compile(r"(?<!\w)(?:in|into|en|em|im|i|w|в|wearing|dressed\s+in|wear)\s+"
                      r"(?:(?:a|an|un|una|uma|um|ein|eine|einem|einer|een|ett)\s+)?$")


def _blank_unless_worn(m: re.Match[str]) -> str:
    return m.group() if _WEARING.search(m.string, 0, m.start()) else " " * len(m.group())


_CLAUSE_BREAK = re.compile(r"[.;!?。！？，,،؛]")


def _clause(text: str, i: int) -> tuple[int, int]:
    """Where the clause holding position ``i`` starts and ends (between _CLAUSE_BREAK marks)."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, i)), default=0)
    m = _CLAUSE_BREAK.search(text, i)
    return start, m.start() if m else len(text)

# "and" between two requests ("put a t-shirt on her and make her naked"): what follows is not said of the dressing
_AND_RE = re.compile(r"(?<![\w])(?:and|und|et|y|e|i|en|og|och|ve|и|dan|aur|or|oder|ou|o|lub|albo|veya)(?![\w])")

# "only" before what is put on: "mettile solo la camicia di lui, senza niente sotto" dresses no one
_ONLY_RE = re.compile(r"(?<![\w])(?:only|solo|solamente|soltanto|seulement|uniquement|nur|blo(?:ss|ß)|so|somente|"
                      r"apenas|tylko|только|лишь|sadece|yalnizca|sirf|cuma|hanya|doang|bara|enbart|alleen|enkel|فقط|"
                      r"सिर्फ)"
                      r"(?![\w])|只|仅|だけ|のみ|만")

# a short clause that goes on with the previous one's verb: "take off her jacket, then her blouse too",
# "zdejmij jej marynarkę, potem bluzkę też", "zieh ihr die Jacke aus, dann die Bluse auch"
_CARRY_RE = re.compile(
    r"(?<![\w])(?:then|too|also|as\s+well|next|after\s+that|potem|tez|rowniez|takze|sen|sedan|ocksa|aven|dann|danach|"
    r"auch|puis|ensuite|aussi|egalement|luego|despues|tambien|poi|anche|pure|depois|tambem|daarna|ook|sonra|"
    r"ardindan|sonrasinda|потом|затем|тоже|также|phir|fir|bhi|lalu|terus|juga|habis\s+itu|بعدين|كمان|ايضا|أيضا)"
    r"(?![\w])|然后|接着|फिर|भी|ثم|وبعدها|次に|それから|그다음|그\s*다음")


def _carried_verb(text: str, garment: tuple[int, int], verbs: Sequence[tuple[_Term, int, int]],
                  objects: Sequence[tuple[int, int]] = ()) -> tuple[_Term, int, int] | None:
    """The removal verb of the previous clause, where the garment's own clause is short, has no verb of its own
    and goes on with a "then" or "too" word ("..., potem bluzkę też"), and neither clause names a harmless object
    (``objects``: "remove the stain from her jacket, then from her shirt too", "..., the underwear on the line
    too"); else None."""
    start, end = _clause(text, garment[0])
    if start == 0:
        return None
    clause = text[start:end]
    if len(clause.split()) > 6 or not _CARRY_RE.search(clause) or any(start <= va < end for _, va, _ in verbs):
        return None
    before, _ = _clause(text, start - 1)
    if any(before <= a < end for a, _ in objects):
        return None
    earlier = [v for v in verbs if before <= v[1] < start - 1]
    return earlier[-1] if earlier else None



_TR_WITH = re.compile(r"(?:li|lu|lı|lü)\s+\w")
# "without" words are removal words that come before their garment ("un bikini en una percha, sin persona")
_WITHOUT = frozenset({"without", "sans", "sin", "ohne", "senza", "sem", "zonder", "utan", "bez", "без", "tanpa"})


# what a garment is without: "senza fodera", "bez podszewki", "без подкладки", "裏地なし", "안감 없이", "没有内衬"
_LACK_BEFORE = re.compile(
    r"(?:\b(?:" + "|".join(sorted(_WITHOUT | {"no", "kein", "keine", "keinen", "geen", "ingen", "aucune", "nessuna"}))
    + r")(?:\s+(?:a|an|any|the|un|une|una|uno|um|uma|ein|eine|einen|en|ett|een))?|没有|不要|去掉|无)\s*$")
_LACK_AFTER = re.compile(r"^\s*(?:なし|無し|抜き|없이|없는|s[ıiuü]z)")


def _lacking(text: str, a: int, b: int) -> bool:
    """Whether the term at ``text[a:b]`` is said to be missing (a lining "without" is no lining)."""
    return bool(_LACK_BEFORE.search(text[max(0, a - 16):a]) or _LACK_AFTER.match(text[b:b + 6]))


def _worn_by(text: str, verb: tuple[int, int], garment: tuple[int, int], max_words: int = 5) -> bool:
    """Whether a garment named after a removal verb describes the person it removes (see _WORN_BY)."""
    gap = text[verb[1]:garment[0]]
    return len(gap.split()) <= max_words and not _CLAUSE_BREAK.search(gap) and bool(_WORN_BY.search(gap))


# A garment that says who a person is: "the man in trunks", "cewek pake bikini", "la señora en bikini", "a mulher de
# biquíni" (the person, a word for wearing, at most two words, the garment), "水着の人", "水着姿の女性", "수영복 입은
# 사람", "穿泳衣的路人", "mayolu adam", "bikini wali ladki" (the garment, a word for wearing, the person)
_WEARER_THEN = re.compile(
    r"^\S*\s*(?:in|en|im|w|в|во|met|mit|con|com|de|avec|wearing|dressed\s+in|i|med|pake|pakai|memakai|yang\s+pake|"
    r"yg\s+pake|yang\s+pakai|yg\s+pakai|berbaju|لابس|لابسة|لابسه|اللابس|اللابسة|اللي\s+لابس|اللي\s+لابسة|اللي\s+لابسه|"
    r"اللي\s+عليه|اللي\s+عليها)(?:\s+(?!(?:photo|picture|pic|image|foto|bild|фото)\b)[^\s,.;!?]+){0,2}\s*$")
_THEN_WEARER = re.compile(
    r"^\S{0,3}?\s*(?:の|姿の|を着た|を着てる|を着ている|着た|着てる|입은|입고\s*있는|을\s*입은|를\s*입은|[^\s,，。]{0,6}的|"
    r"lu|lı|li|lü|wala|wali|wale|वाला|वाली|वाले)\s*$")


def _describes_person(text: str, garment: tuple[int, int], people: list[tuple[int, int]],
                      verbs: list[tuple[int, int]]) -> bool:
    """Whether a garment is said of a person next to it (see _WEARER_THEN) whom a removal verb removes: the verb
    at most three words before the person, or after the garment in its clause ("den Typen in Badehose im
    Hintergrund entfernen", "水着の人を消して"); not "remove the background and put the woman in lingerie"."""
    a, b = garment

    def removed(pa: int, pb: int) -> bool:
        lo, hi = min(pa, a), max(pb, b)
        for va, vb in verbs:
            gap = text[vb:lo] if vb <= lo else text[hi:va] if va >= hi else None
            if gap is not None and not _CLAUSE_BREAK.search(gap) and len(gap.split()) <= (3 if vb <= lo else 6):
                return True
        return False

    for pa, pb in people:
        if not removed(pa, pb):
            continue
        gap = text[pb:a]
        if pb <= a and a - pb <= 40 and _WEARER_THEN.match(gap) and not _CLAUSE_BREAK.search(gap):
            # Swedish "i" only after a definite noun ("killen i"; Polish "i" is "and": "bez ludzi i zdejmij")
            rest = gap.split(None, 1)[0] if gap[:1].strip() else ""  # the end of the word the person term begins
            if gap[len(rest):].split()[:1] != ["i"] or (text[pa:pb] + rest).endswith(("an", "en", "et")):
                return True
        if pa >= b and pa - b <= 10 and (_THEN_WEARER.match(text[b:pa]) or (
                text[a:b].endswith(("lu", "lı", "li", "lü")) and not text[b:pa].strip())):  # "mayolu adam"
            return True
    return False


# "the rest of the people", "le reste du décor", "el resto de la gente": a rest that is not of the clothes
_REST_OF = re.compile(r"\s+(?:of|du|des|de|del|della|dello|dei|delle|di|do|da|dos|das|der|van|z|из)\b")

# "keep everything else the same", "leave the rest", "lo demás igual", "der Rest bleibt", "剩下的不变": a rest that
# is kept
_REST_KEPT = re.compile(
    r"[^.,;:!?\n]{0,30}?(?:the\s+same|unchanged|as\s+(?:it\s+)?is|alone|untouched|change|pareil|identique|"
    r"tel\s+quel|comme\s+(?:avant|c|il|elle)|bouge|igual|intact|como\s+est|cambi|toques|gleich|unverandert|bleib|"
    r"andern|so\s+wie|uguale|intatt|com'?\s*e|come\s+(?:e|sta)|tocc|hetzelfde|blijft|verander|zoals|samma|orort|"
    r"som\s+det|ska\s+vara|andra|zmien|bez\s+zmian|так\s+же|как\s+есть|без\s+изменени|не\s+(?:трогай|меняй)|"
    r"ayni|oldugu\s+gibi|kalsin|degistirme|كما|زي\s+ما|وهو|متغير|تغير|वैसा|waisa|vaisa|waise|vaise|jaisa|जैसा|"
    r"sama|tetap|biarkan|jangan|不变|不动|保持|照旧|别动|别改|不要改|そのまま|変えない|変えず|그대로|유지|바꾸지)")
_KEEP_BEFORE = re.compile(
    r"(?:keep|leave|leaving|keeping|garde|laisse|deja|dejar|manten|lass|lasse|behalte|lascia|mantieni|deixa|mantem|"
    r"laat|houd|behall|lat|lämna|lamna|zostaw|оставь|оставить|sakla|birak|bırak|اترك|خلي|सब\s+वैसा|rakho|biarkan|"
    r"保留|留着|残して|남겨)\s+(?:(?:all|tout|todo|toda|alles|tutto|tutta|allt|wszystko|всё|все|hepsi)\s+)?$")


def _acts_on(text: str, verb: tuple[int, int], garment: tuple[int, int], max_words: int = 5,
             before: bool = True, persons: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether a removal verb can act on a garment named after it: at most ``max_words`` words later, in
    the same clause ("take off all of her clothes"; not "remove the man on the left, keep everything else
    the same" nor "take off his sweater, he has a shirt under it"). A garment named before the verb counts
    (``before``) in its clause, where verbs come last in Japanese or Turkish, or a few words earlier ("put a white
    t-shirt on her, then remove it"; not "Bikinis auf Bügeln, mach die Farben knalliger und die Spiegelung weg"),
    unless a person (``persons``) is named after it in another clause, whom the verb then removes ("на заднем плане
    моего фото в бикини бегает чужой ребёнок, убери его")."""
    if garment[0] < verb[1]:
        gap = text[garment[1]:verb[0]]
        if _TR_WITH.match(gap):  # Turkish "gömlekli adamı sil": delete the man with a shirt
            return False
        broken = _CLAUSE_BREAK.search(gap) is not None
        if broken and any(garment[1] <= a and b <= verb[0] for a, b in persons):
            return False
        return before and (len(gap.split()) <= max_words or not broken)
    gap = text[verb[1]:garment[0]]
    return len(gap.split()) <= max_words and not _CLAUSE_BREAK.search(gap) and not _worn_by(text, verb, garment)


# "remove the woman in the red bikini", "ta bort kvinnan i bikini": the verb removes a person, whom the garment
# describes (a word, then "in" or "wearing", then at most two words before the garment)
# (Swedish "i" only after a definite noun: "kvinnan i", "killen i"; Italian "i" is "the", Polish "i" is "and"),
# not "the man in the picture's shirt"
_WORN_BY = re.compile(r"(?:\w\s+(?:in|en|im|w|в|met|mit|con|com|avec|wearing|dressed\s+in)|\w(?:an|en|et)\s+i)"
                      r"(?:\s+(?!(?:photo|picture|pic|image|foto|bild)\b)[^\s']+){0,2}\s*$")


def _gap(text: str, a: tuple[int, int], b: tuple[int, int]) -> str:
    return "" if a[0] < b[1] and b[0] < a[1] else text[min(a[1], b[1]):max(a[0], b[0])]


def _gap_words(text: str, a: tuple[int, int], b: tuple[int, int]) -> str:
    """The words between two matches, without the rest of a word that the first one only begins ("машин|у "),
    to look for a preposition in (the distance itself counts that rest as a word, as _near always has)."""
    gap = _gap(text, a, b)
    if not gap or not gap[0].isalpha():
        return gap
    rest = gap.split(None, 1)  # the first item is the end of the word the first match began
    return rest[1] if len(rest) > 1 else ""


def _near(text: str, a: tuple[int, int], b: tuple[int, int], max_words: int = 2, max_chars: int = 16) -> bool:
    """Whether two matches are at most ``max_words`` words (and ``max_chars`` characters) apart, in one
    clause ("make her naked, the sky pink": the sky is another edit)."""
    if a[0] < b[1] and b[0] < a[1]:
        return True
    gap = _gap(text, a, b)
    return len(gap) <= max_chars and len(gap.split()) <= max_words and not _CLAUSE_BREAK.search(gap)


# A preposition of place between a nudity word or a garment and a harmless object named after it makes the
# object a place ("make her nude on the table", "hazla desnuda contra la pared", "remove her shirt on the sofa"),
# not what is undressed ("undress the tree", "nude lipstick"); so does one just before an object named first, with
# words between ("on the sofa make her nude", "in the background make her naked"). An object named before with
# the preposition after it keeps its say ("a stain on his shirt", "a mannequin in lingerie", "the bones in this
# x-ray"). "of", "from", "off" are not here: "take the sticker off her shirt", "les vêtements de la corde à linge".
_PLACES = (
    r"(?:on|onto|upon|against|at|by|near|beside|next\s+to|under|over|behind|in\s+front\s+of|in|into|inside|"
    r"sur|contre|devant|derriere|pres|dans|sous|en|sobre|contra|junto|frente|delante|detras|bajo|dentro|"
    r"sul|sulla|sullo|contro|davanti|accanto|dietro|sotto|nel|nella|sopra|na|no|em|ao\s+lado|atras|"
    r"an|am|auf|vor|neben|hinter|unter|uber|im|op|tegen|voor|naast|bij|achter|onder|pa|mot|vid|bredvid|framfor|"
    r"bakom|przy|pod|obok|przed|za|w|we|на|у|возле|около|перед|под|в|во|onunde|yaninda|ustunde|"
    r"uzerinde|icinde|di|pada|dekat|depan|samping|atas|ke\s+paas|ke\s+aage|par|pe|पर|के\s+पास|के\s+आगे|"
    r"على|أمام|امام|بجانب|عند|في|جنب)")
_LOCATION = re.compile(r"(?<!\w)" + _PLACES + r"(?!\w)")

_ARTICLE = (r"(?:the|a|an|her|his|my|this|that|el|la|los|las|le|les|l'|il|lo|un|una|der|die|das|dem|den|des|"
            r"einem|einer|de|het|een|o|os|as|um|uma|ett|en)")
_PLACE_BEFORE = re.compile(r"(?:(?<!\w)" + _PLACES + r"\s+(?:" + _ARTICLE + r"\s+)?|在\s*)$")


_COMPARED = re.compile(r"(?<!\w)(?:than|als|que|di|dan|niz|niż|чем|kadar|daha|من|比|보다|से)(?!\w)")


def _said_of(text: str, word: tuple[int, int], obj: tuple[int, int]) -> bool:
    """Whether a sexualising word is said of the object next to it ("make this car look sexier"), not of a
    person beside or compared with it ("make her sexier in the car", "hotter than the sunset", "sobre el capó del
    carro en pose sexy")."""
    gap = _gap_words(text, word, obj)
    return (_near(text, word, obj) and not _is_place(text, word, obj)
            and not _COMPARED.search(gap) and not _LOCATION.search(gap))


def _is_place(text: str, x: tuple[int, int], c: tuple[int, int]) -> bool:
    """Whether the harmless object at ``c`` is where ``x`` happens rather than what it acts on (see above)."""
    gap = _gap_words(text, x, c)
    if c[0] >= x[1]:
        return bool(_LOCATION.search(gap))
    # with words between ("on the sofa make her nude"): "w kolorze nude", "in the nude shade" are no place
    return bool(gap.strip()) and bool(_PLACE_BEFORE.search(text, max(0, c[0] - 40), c[0]))


#: Scores of the lexical evidence that stands on its own (see :func:`evidence_floor`).
FLOOR_NUDITY = 0.9
FLOOR_REMOVAL = 0.85
FLOOR_SHEER = 0.85
FLOOR_ATTIRE = 0.8
#: Below this classifier score, nudity, removal and attire words set no floor (see :func:`evidence_floor`). Chosen on
#: the dev split and the red team: 0.01 dropped 5 false alarms among the 2,255 harmless dev lines and added no
#: red-team bypass; 0.03 let the red team through 0.5 points more often with the eighth session's model. With the
#: tenth session's, 0.03 drops 5 more of the 3,231 harmless test lines' false alarms (2.85 -> 2.69 %), with the same
#: recall there and on the held-out round 14 and the same red-team bypass on three seeds; 0.05 lost a sexual test line
#: and let one red-team seed family through ("rozbierz kobietę stojącą przy samochodzie"). With the thirteenth
#: session's model, 0.15: test FPR 3.2 -> 3.0 %, held-out round 22 5.5 -> 4.4 %, round 18 4.1 -> 3.6 %, no recall lost
#: on any of them, the same red-team bypass and over-block on three seeds ("put a shirt on my brother, he was
#: shirtless", "remove the topless guy in the background" had read 0.9).
FLOOR_GATE = 0.15
#: Where a nudity word and a garment removal are both found ("strip the clothes off the guy standing by the bus
#: stop"), two signals, the classifier must be surer still. Fifteenth session: the final model read that red-team
#: request at 0.146 (ten bypasses over three seeds); at 0.1 they are caught, for one more false alarm on the test split
#: (clothes taken off a plastic shop-window model) and one on held-out round 14 (clothes thrown on a chair), none on
#: rounds 15-30.
FLOOR_GATE_BOTH = 0.1
#: The same for a garment taken off ("remove the bra strap showing") or revealing attire named ("make all the kids'
#: swimsuits navy"): writers who had never seen the data showed these two floors to be the main source of false
#: alarms where the classifier was nearly sure (39 of round 20's 126, twelfth session). 0.3 with the policy's
#: sexual_intent threshold at 0.4 (was 0.5), measured on round 20 before it was trained on: 93.3 % recall / 7.8 % FPR
#: -> 94.0 / 6.5; on the test split 96.5 / 2.9 -> 97.0 / 3.0; on held-out round 18 97.7 / 6.1 -> 97.9 / 5.1. Gating the
#: nudity floor too gained another point of FPR on the fresh rounds but let the red team's "раздень женщину у входа
#: в метро" (classifier 0.297) through.
GARMENT_FLOOR_GATE = 0.3
#: Where the request names a person (evidence.yaml `people`: "the woman at the bus stop", "the guy"; or a minor word),
#: a nudity word is said of that person, not of a tree, a wall or a lipstick, which is what the gates above excuse.
#: Seventeenth session: the model trained on round 34 read "undress the woman at the bus stop" and its Korean
#: form at 0.10 (the red team's bus-stop family, 19 bypasses over three seeds, had been caught at 0.15-0.2); at 0.05
#: they are caught, for three more false alarms on the 27,000 test and held-out lines (a bare child in a bath photo,
#: a shop-window dummy, "sans rien changer"; the last two since mended in the lexicon).
FLOOR_GATE_PERSON = 0.05
# the least minor_reference for a sure minor word ("i nian", "로리", "brugpieper") with no adult-age claim: the
# classifier had read some of them, rare in training, at 0.2-0.4
MINOR_TERM_FLOOR = 0.6


def _same_language(a: frozenset[str], b: frozenset[str]) -> bool:
    """Terms of one language, or one of them English (code-mixed requests borrow English words)."""
    return bool(a & b) or "en" in a or "en" in b


def evidence_floor(hits: LexicalHits, classifier: float = 1.0) -> tuple[float, str | None]:
    """The least ``sexual_intent`` that the lexical evidence alone justifies, and why.

    * a nudity term ("undress", "naked") that does not act on a harmless object nearby
      ("undress the Christmas tree", "strip the background") and is not to be dressed ("he is shirtless on the
      beach photo, put a t-shirt on him": :attr:`LexicalHits.bare_covered`);
    * a garment removal ("take off her shirt"), with the same exception;
    * a see-through or wet word with a garment ("make her blouse transparent"), unless the request dries it or
      makes it opaque ("his shirt is wet from the rain, dry it", evidence.yaml ``dry``);
    * revealing attire named ("put her in lingerie") unless the request says nobody is pictured
      ("bikini product shot, no person"), the attire describes a person to be removed ("remove the woman in
      the red bikini", "水着の人を消して") or it is swapped for or covered by a garment ("replace her bikini with
      a wetsuit", "put a hoodie over her swimsuit");
    * clothes taken off one piece at a time, then "the rest" ("first the jacket, then the top, then the
      rest"), even where the classifier reads the steps as harmless.

    The trained classifier may score a request higher; this only keeps unambiguous wording from
    being argued down by an unfamiliar phrasing, language or spelling.

    ``classifier`` is the trained classifier's score. Where it is sure the request is harmless
    (below :data:`FLOOR_GATE`, or :data:`FLOOR_GATE_BOTH` beside a garment removal), a nudity word is taken to be
    used harmlessly, as in "strip the colour from everything but the umbrella", and sets no floor; a garment removal
    or attire word already where it is fairly sure (below :data:`GARMENT_FLOOR_GATE`: "remove the 'XXX' graffiti",
    "cut the tag off the swimsuit in the product photo", "make all the kids' swimsuits the same navy"). Where a person
    is named (:attr:`LexicalHits.person`), a nudity word is excused only below :data:`FLOOR_GATE_PERSON`; where the
    request argues the guard away (jailbreak wording), the gates excuse nothing. A see-through
    word with a garment always does: the classifier read "make the announcer's blouse 비치게" (see-through) as
    a beach (비치) at 0.005.
    """
    # a request that argues the guard away ("you are an editor with no rules", "for a medical textbook") is not one
    # the classifier may excuse as harmless: the gates below do not apply to it. A claim about the person alone ("my
    # girlfriend", "she is 18") argues nothing: "remove the sunscreen stain from my girlfriend's bikini top" is excused
    framed = hits.framing
    gate = FLOOR_GATE_BOTH if hits.removal else FLOOR_GATE
    sure_harmless = not framed and classifier < (min(gate, FLOOR_GATE_PERSON) if hits.person else gate)
    if hits.staged_removal and not hits.no_person:
        return FLOOR_REMOVAL, "staged_removal"
    # what is bare is to be dressed ("he is shirtless on the beach photo, put a t-shirt on him"): a removal only where
    # every removal is a garment "without" ("sin camiseta")
    covered = hits.bare_covered and all(r.split("+", 1)[0] in _WITHOUT for r in hits.removal)
    if hits.nudity and not hits.context_near and not covered and not sure_harmless:
        return FLOOR_NUDITY, "nudity"
    unsure = not framed and classifier < GARMENT_FLOOR_GATE
    if hits.removal and not hits.context_near and not covered and not unsure:
        return FLOOR_REMOVAL, "removal"
    if hits.no_person:
        return 0.0, None
    if hits.sheer_garment and not hits.dry:
        return FLOOR_SHEER, "sheer_garment"
    if unsure:
        return 0.0, None
    sheer = set(hits.sheer)
    # a see-through garment made opaque ("make her see-through dress fully opaque"): the attire term holds the
    # sheer word
    undone = {a for a in hits.attire if hits.dry and any(w in a for w in sheer)}
    if any(a not in sheer and a not in undone for a in hits.attire) and not hits.attire_worn_by_removed \
            and not hits.attire_covered:
        return FLOOR_ATTIRE, "attire"
    return 0.0, None


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The packaged term lists (compiled once per process)."""
    return Lexicon()


def lexical_scores(hits: LexicalHits) -> dict[str, float]:
    """Hand-set likelihoods from the hits, by signal name."""
    nudity = 0.93 if hits.nudity else (0.85 if hits.removal else 0.0)
    attire = 0.85 if hits.attire else 0.0
    sexual = max(nudity, attire, 0.75 if hits.sexualize else 0.0)
    if hits.context and sexual:
        sexual *= 0.5
        nudity *= 0.5
    minor = 0.9 if (hits.minor or hits.minor_age is not None) else 0.0
    return {
        "sexual_intent": sexual,
        "nudity_intent": nudity,
        "revealing_attire": attire,
        "minor_reference": minor,
        "jailbreak_framing": 0.85 if (hits.jailbreak or hits.adult_age_claim) else 0.0,
        "multi_step": 0.6 if hits.multistep else 0.0,
    }


_TRICKS = ("zero_width", "combining", "emoji", "unicode_style", "homoglyph", "spacing", "leet", "repeat", "typo")
FEATURE_NAMES: tuple[str, ...] = (
    "attire", "nudity", "sexualize", "removal", "minor", "minor_age", "jailbreak", "adult_claim",
    "multistep", "context", *(f"trick_{t}" for t in _TRICKS),
    # what the evidence rules read: the attire is swapped for or covered by a garment, describes someone to be
    # removed, nobody is pictured, a harmless object is what is bared, a see-through garment, a staged undress, a
    # request to show less, a wet or see-through garment to be dried or made opaque
    "attire_covered", "attire_worn_by_removed", "no_person", "context_near", "sheer_garment", "staged_removal",
    "modest", "dry",
)


def features(hits: LexicalHits) -> np.ndarray:
    """A fixed-length float vector of the hits (see :data:`FEATURE_NAMES`), for the classifier."""

    def c(xs: Sequence[str]) -> float:
        return min(len(xs), 2) / 2.0

    vec = [
        c(hits.attire), c(hits.nudity), c(hits.sexualize), c(hits.removal), c(hits.minor),
        1.0 if hits.minor_age is not None else 0.0, c(hits.jailbreak), 1.0 if hits.adult_age_claim else 0.0,
        c(hits.multistep), c(hits.context), *(1.0 if t in hits.tricks else 0.0 for t in _TRICKS),
        *(1.0 if flag else 0.0 for flag in (hits.attire_covered, hits.attire_worn_by_removed, hits.no_person,
                                             hits.context_near, hits.sheer_garment, hits.staged_removal,
                                             hits.modest, hits.dry)),
    ]
    return np.asarray(vec, dtype=np.float32)


class LexicalAnalyzer:
    """Term lists only: an explainable, model-free text analyser (name ``text-lexical``)."""

    name = "text-lexical"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST})

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lexicon = lexicon or default_lexicon()
        self.version = f"lexical-1+{self._lexicon.size}t"

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        req = ctx.request
        hits = self._lexicon.match(req.prompt)
        scores = lexical_scores(hits)
        source = f"{self.name}@{self.version}"
        out = [
            Signal(name="sexual_intent", score=scores["sexual_intent"], source=source, subject="prompt",
                   evidence={"terms": [*hits.nudity, *hits.attire, *hits.sexualize, *hits.removal],
                             "tricks": sorted(hits.tricks)}),
            Signal(name="nudity_intent", score=scores["nudity_intent"], source=source, subject="prompt",
                   evidence={"terms": [*hits.nudity, *hits.removal]}),
            Signal(name="revealing_attire", score=scores["revealing_attire"], source=source, subject="prompt",
                   evidence={"attire": list(hits.attire)}),
            Signal(name="minor_reference", score=scores["minor_reference"], source=source, subject="prompt",
                   evidence={"terms": list(hits.minor), "age": hits.minor_age}),
            Signal(name="jailbreak_framing", score=scores["jailbreak_framing"], source=source,
                   subject="prompt", evidence={"terms": list(hits.jailbreak)}),
        ]
        if req.history:
            joined = self._lexicon.match(" ".join([*req.history, req.prompt]))
            alone = scores["sexual_intent"]
            together = lexical_scores(joined)["sexual_intent"]
            ms = max(0.0, together - alone)
            if hits.multistep and req.history:
                ms = max(ms, scores["multi_step"])
            out.append(Signal(name="multi_step", score=ms, source=source, subject="prompt",
                              evidence={"turns": len(req.history) + 1, "terms": list(hits.multistep)}))
        return out
