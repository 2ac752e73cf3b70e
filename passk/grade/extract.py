r"""Find the final answer in a completion.

Primary rules look for an explicit final answer; when several find one, the one
latest in the text wins (a model that boxes an intermediate result and then writes
"The final answer is 42" means 42):

  boxed         the last \boxed{...} or \fbox{...} (balanced braces), or \boxed 5;
                boxes that end the text together ("\boxed{1} and \boxed{2}") are joined
  answer_line   "Answer: X" on the last non-empty line (the DAPO template)
  final_answer  the last "the (final) answer is X" / "Final Answer: ... is X"

Fallbacks run in order when no primary rule finds anything, and are opt-in
(`ExtractConfig`): a model asked to box its answer that did not is usually wrong,
and a last-number guess would hand it free points.

  last_math     the last $...$, $$...$$, \(...\) or \[...\] span
  bare          the whole text, when it is one short line that is not prose
  last_number   the last number in the text

When a completion has a closing </think>, the text after it is searched first.
The verdict records the rule's name, so a surprising grade can be traced back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FALLBACK_RULES = ("last_math", "bare", "last_number")
BARE_MAX_CHARS = 120


@dataclass(frozen=True)
class ExtractConfig:
    fallbacks: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = [r for r in self.fallbacks if r not in FALLBACK_RULES]
        if unknown:
            raise ValueError(f"unknown extraction fallback(s) {unknown}; choose from {list(FALLBACK_RULES)}")


BOXED_CONFIG = ExtractConfig()
PAIRS_CONFIG = ExtractConfig(fallbacks=FALLBACK_RULES)  # free-form answers: no template to hold them to


@dataclass(frozen=True)
class Extraction:
    answer: str | None
    rule: str  # the rule that found it, or "none"


_BOX_RE = re.compile(r"\\(?:boxed|fbox)")
_BOX_SEPARATOR_RE = re.compile(
    r"(?:\s|[,;$.]|\\[\[\]()]|\\q?quad|\\[,;]|\\text\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b)*")
_ANSWER_LINE_RE = re.compile(r"^[\s*#]*answer[\s*]*[:：][\s*]*(.+?)\s*$", re.IGNORECASE)
_FINAL_ANSWER_RE = re.compile(r"(?:final answer|the answer)(?:\s+is)?\s*[:：]?\s*", re.IGNORECASE)
_MATH_SPAN_RE = re.compile(r"(?<!\\)\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$((?:[^$\\]|\\.)+?)\$",
                           re.DOTALL)  # an escaped \$ inside math is a dollar sign, not a delimiter
_TOP_LEVEL_EQUALS = re.compile(r"(?<![<>!:=\\])=(?!=)")
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")
_PROSE_RE = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")
_THINK_END = "</think>"


def extract_answer(text: str, config: ExtractConfig = BOXED_CONFIG) -> Extraction:
    if _THINK_END in text:
        found = _extract(text.rsplit(_THINK_END, 1)[1], config)
        if found.answer is not None:
            return found
    return _extract(text, config)


def extract_gold(gold: str) -> str:
    """A reference answer as one answer: its boxes if it is a worked solution, its last math
    span if it is a sentence around one, else itself."""
    _, boxed = _boxed(gold)
    if boxed:
        return boxed
    spans = _math_spans(gold)
    if spans:
        outside = _MATH_SPAN_RE.sub(" ", gold)
        if _BOX_SEPARATOR_RE.fullmatch(outside):  # "$1$ and $2$ and $3$"
            return ", ".join(spans)
        if _PROSE_RE.search(outside):  # "The only solution is \((p, q) = (3, 2)\)."
            return spans[-1]
    return gold


def last_right_hand_side(answer: str) -> str:
    """'5 \times 6 \times 4 = 120' -> '120': used when the gold itself is not an equation."""
    parts = _TOP_LEVEL_EQUALS.split(answer)
    return parts[-1].strip() if len(parts) > 1 and parts[-1].strip() else answer


def _extract(text: str, config: ExtractConfig) -> Extraction:
    found = [(pos, rule, answer) for rule, finder in _PRIMARY for pos, answer in [finder(text)] if answer]
    if found:
        _, rule, answer = max(found)
        return Extraction(answer, rule)
    for rule in config.fallbacks:
        answer = _FALLBACKS[rule](text)
        if answer:
            return Extraction(answer, rule)
    return Extraction(None, "none")


def last_boxed(text: str) -> str | None:
    """Content of the last box (trailing boxes joined); None when absent or never closed."""
    return _boxed(text)[1]


def _boxed(text: str) -> tuple[int, str | None]:
    boxes = []  # (start, end, content) of each box, in order
    for match in _BOX_RE.finditer(text):
        start = match.end()
        rest = text[start:]
        stripped = rest.lstrip()
        if stripped.startswith("{"):
            open_at = start + len(rest) - len(stripped)
            content = _balanced(text, open_at)
            if content is not None:
                boxes.append((match.start(), open_at + len(content) + 2, content.strip()))
        elif rest[:1] == " ":
            token = re.match(r"\s+([^\s$]+)", rest)  # "\boxed 5": the argument is the next token
            if token:
                boxes.append((match.start(), start + token.end(), token.group(1).rstrip(".")))
    if not boxes:
        return -1, None
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        if not _BOX_SEPARATOR_RE.fullmatch(text[box[1]: group[0][0]]):
            break
        group.insert(0, box)
    return group[0][0], ", ".join(content for _, _, content in group)


def _balanced(text: str, open_at: int) -> str | None:
    depth = 0
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch == "{" and text[i - 1] != "\\":
            depth += 1
        elif ch == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[open_at + 1: i]
    return None


def _answer_line(text: str) -> tuple[int, str | None]:
    stripped = text.rstrip()
    last_line_at = stripped.rfind("\n") + 1
    match = _ANSWER_LINE_RE.match(stripped[last_line_at:])
    return last_line_at, (_strip_math_delims(match.group(1)) if match else None)


def _final_answer(text: str) -> tuple[int, str | None]:
    matches = list(_FINAL_ANSWER_RE.finditer(text))
    if not matches:
        return -1, None
    at, rest = matches[-1].start(), text[matches[-1].end():]
    span = _MATH_SPAN_RE.match(rest)
    if span:
        return at, next(g for g in span.groups() if g is not None).strip()
    # up to the end of the sentence: a period followed by a space or the end, not a decimal point
    sentence = re.split(r"\.(?:\s|$)|\n", rest, maxsplit=1)[0]
    # "Final Answer: The volume of $ABCD$ is 120." -> what follows the last " is "
    sentence = re.split(r"\s(?:is|are|equals)\s", sentence)[-1]
    return at, _strip_math_delims(sentence) or None


def _math_spans(text: str) -> list[str]:
    spans = [next(g for g in m.groups() if g is not None).strip() for m in _MATH_SPAN_RE.finditer(text)]
    return [s for s in spans if s]


def _last_math(text: str) -> str | None:
    spans = _math_spans(text)
    return spans[-1] if spans else None


def _bare(text: str) -> str | None:
    text = text.strip()
    if "\n" in text or len(text) > BARE_MAX_CHARS or _PROSE_RE.search(re.sub(r"\\[a-z]+\{[^{}]*\}", "", text)):
        return None
    return _strip_math_delims(text) or None


def _last_number(text: str) -> str | None:
    numbers = _NUMBER_RE.findall(text)
    return numbers[-1].rstrip(",") if numbers else None


def _strip_math_delims(s: str) -> str:
    s = s.strip().rstrip(".").strip()
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if s.startswith(left) and s.endswith(right) and len(s) > len(left) + len(right) - 1:
            return s[len(left): len(s) - len(right)].strip()
    return s


_PRIMARY = (("boxed", _boxed), ("answer_line", _answer_line), ("final_answer", _final_answer))
_FALLBACKS = {"last_math": _last_math, "bare": _bare, "last_number": _last_number}
