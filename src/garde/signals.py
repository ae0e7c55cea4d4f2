"""The registry of signal names: what each means and who emits it.

Policy packs may only name signals registered here, so a typo in a pack is an
error at load time rather than a rule that silently never fires. Scores are
probabilities in [0, 1] unless the description says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIGNALS", "SignalSpec", "is_known"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalSpec:
    name: str
    producer: str
    description: str


_SPECS = [
    # text intent (garde.text)
    SignalSpec(name="sexual_intent", producer="text",
               description="The request asks to sexualise a depicted person: less clothing, swimwear, "
                           "underwear or lingerie, see-through or wet clothing, nudity, sexualised pose "
                           "or context, 'hotter/sexier'."),
    SignalSpec(name="nudity_intent", producer="text",
               description="The request asks for nudity, partial nudity or sexual acts (beyond revealing attire)."),
    SignalSpec(name="minor_reference", producer="text",
               description="The request references a minor: an age under 18, school context, 'my daughter', "
                           "'teen', 'little girl', in any supported language."),
    SignalSpec(name="revealing_attire", producer="text",
               description="The request names revealing attire; evidence 'attire' lists the terms found."),
    SignalSpec(name="jailbreak_framing", producer="text",
               description="Role play, fictional or 'medical textbook' framing, claims of consent or age, "
                           "'ignore your rules'."),
    SignalSpec(name="multi_step", producer="text",
               description="A later turn that reveals when read with the earlier ones ('now remove it')."),
    SignalSpec(name="language", producer="text",
               description="Confidence of the detected language; evidence 'lang' holds the code."),
    # people in images (garde.vision)
    SignalSpec(name="person_present", producer="vision", description="A person is in the image."),
    SignalSpec(name="real_person", producer="vision",
               description="A person is present and the image is photographic (a real, identifiable human)."),
    SignalSpec(name="photo_realism", producer="vision",
               description="The image is a photograph rather than a drawing, cartoon or anime."),
    SignalSpec(name="apparent_minor", producer="vision",
               description="Likelihood that a face is under the policy's age margin, using the age "
                           "estimate and its uncertainty (highest over faces)."),
    # exposure (garde.vision)
    SignalSpec(name="exposure_revealing", producer="vision",
               description="Exposure level is 'revealing' or higher (swimwear, underwear, lingerie)."),
    SignalSpec(name="exposure_nudity", producer="vision",
               description="Exposure level is 'partial_nudity' or higher."),
    SignalSpec(name="exposure_explicit", producer="vision", description="Exposure level is 'explicit'."),
    SignalSpec(name="attire_delta", producer="vision",
               description="Exposure levels gained by a real person between the original and the edit, "
                           "divided by 4 (the number of steps from none to explicit)."),
    SignalSpec(name="exposure_increase", producer="vision",
               description="A real person in the edit wears less than in the original."),
    # hashes (garde.hashing)
    SignalSpec(name="hash_match", producer="hashing",
               description="The image matches a bank entry; evidence has bank, bank_kind, distance, "
                           "entry_id, state (active|quarantined)."),
    SignalSpec(name="exact_hash_match", producer="hashing",
               description="The image's MD5/SHA-256 equals a bank entry; evidence as hash_match."),
    SignalSpec(name="image_hash", producer="hashing",
               description="Not a risk: records an image's hashes so the decision keeps them (evidence sha256, "
                           "pdq, pdq_quality); score = PDQ quality / 100. No rule should fire on it."),
]

SIGNALS: dict[str, SignalSpec] = {s.name: s for s in _SPECS}


def is_known(name: str) -> bool:
    return name in SIGNALS
