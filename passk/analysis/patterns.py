"""Documented word patterns: reflective actions and pivotal (connective) tokens.

Reflective actions are self-verification and correction; pivotal tokens connect logical
steps. Both follow the entropy-advantage paper's examples (Cheng et al. 2025). Patterns
match case-insensitively on word boundaries; each has a name used in metrics.
"""

from __future__ import annotations

import re
from collections import Counter

REFLECTIVE_PATTERNS = {
    "wait": r"\bwait\b",
    "verify": r"\bverif(?:y|ies|ied|ying|ication)\b",
    "check": r"\b(?:double-?|re-?)?check(?:s|ed|ing)?\b",
    "let me re": r"\blet me re-?\w+",
    "mistake": r"\bmistakes?\b",
    "reconsider": r"\breconsider\w*",
    "re-evaluate": r"\bre-?evaluat\w+",
    "hmm": r"\bhmm+\b",
    "actually": r"\bactually\b",
}
PIVOTAL_WORDS = ("because", "therefore", "however", "although", "first", "then", "thus", "so", "since", "recall",
                 "suggest", "suggests", "demonstrate", "hence", "but", "next", "finally", "consequently", "instead",
                 "notice", "note", "assume", "suppose", "means", "implies")

_REFLECTIVE = [(name, re.compile(p, re.IGNORECASE)) for name, p in REFLECTIVE_PATTERNS.items()]


def count_reflective(text: str) -> Counter:
    """How often each reflective pattern occurs in `text`, by pattern name."""
    return Counter({name: n for name, rx in _REFLECTIVE if (n := len(rx.findall(text)))})


def is_reflective(sentence: str) -> bool:
    return any(rx.search(sentence) for _, rx in _REFLECTIVE)


def is_pivotal(token_text: str) -> bool:
    return token_text.strip().lower() in PIVOTAL_WORDS
