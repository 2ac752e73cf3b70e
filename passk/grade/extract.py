r"""Find the final answer in a completion.

The answer form the prompt asked for wins: an `ExtractConfig` lists its rules in order of
preference and the first that finds an answer decides. A boxed answer followed by a prose
sentence ("Remember to express it in interval notation") is the boxed answer.

  boxed         the last \boxed{...} or \fbox{...} (balanced braces), or \boxed 5; boxes that
                end the text together ("\boxed{1} and \boxed{2}") are one answer, repeats dropped
  answer_tag    the last <answer>...</answer> (DeepSeek-R1-style prompts), boxed inside it if boxed
  answer_line   the last line that starts "Answer:" (the DAPO template; also Réponse, Respuesta,
                Antwort, Risposta, Resposta, Ответ, 答案)
  final_answer  the last "the final answer is X" / "Final Answer: ... is X"
  answer_is     the last "the answer is X" (a weaker marker: an aside may use it)
  last_statement the value of the closing line, when it is a short statement of one ("So there are
                twelve outfits.", "Solution: x = 2, y = -1", "Option A"): free-form answers only
  last_math     the last $...$, $$...$$, \(...\) or \[...\] span
  bare          the whole text, when it is one short line that is not prose
  last_number   the last number in the text

Words without mathematics ("the answer cannot be wrong") are never an answer. When a
completion has a closing </think>, the text after it is searched first. An answer that
the completion takes back afterwards ("Wait, I made an error") is recorded as retracted.
The verdict records the rule's name, so a surprising grade can be traced back.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from passk.errors import ConfigError
from passk.grade.equivalence import quick_verdict
from passk.grade.normalize import (
    FORMS_SEP,
    UNICODE_MATH,
    choice_letter,
    fraction_from_words,
    normalize_answer,
    number_from_words,
)

RULES = ("boxed", "answer_tag", "answer_line", "final_answer", "answer_is", "last_statement", "last_math", "bare",
         "last_number")
BARE_MAX_CHARS = 120


@dataclass(frozen=True)
class ExtractConfig:
    rules: tuple[str, ...] = ("boxed", "answer_line", "final_answer", "answer_is")
    compete: int = 1  # the first `compete` rules compete: the answer latest in the text wins

    def __post_init__(self):
        unknown = [r for r in self.rules if r not in RULES]
        if unknown or not self.rules:
            raise ConfigError(f"unknown extraction rule(s) {unknown or '(none given)'}; choose from {list(RULES)}")


# What each prompt's answer form is graded with: its own form first, explicit answer markers after.
# Guessing rules (last_math, last_number) only where no form was asked for.
ANSWER_FORMS = {
    "boxed": ExtractConfig(("boxed", "answer_tag", "answer_line", "final_answer", "answer_is")),
    "answer_line": ExtractConfig(("answer_line", "boxed", "final_answer", "answer_is")),
    "answer_tag": ExtractConfig(("answer_tag", "boxed", "answer_line", "final_answer", "answer_is")),
    "bare": ExtractConfig(("boxed", "answer_line", "final_answer", "answer_is", "bare")),  # the completion is the answer
    # free-form answers: no prompt says which marker is meant, so the explicit one latest in the text wins
    "free": ExtractConfig(RULES, compete=4),
}
BOXED_CONFIG = ANSWER_FORMS["boxed"]
PAIRS_CONFIG = ANSWER_FORMS["free"]


def extract_config(answer_form: str, extra_rules: tuple[str, ...] = ()) -> ExtractConfig:
    """The rules a prompt's completions are graded with: its answer form's, then any extra ones it names."""
    if answer_form not in ANSWER_FORMS:
        raise ConfigError(f"unknown answer form {answer_form!r}; choose from {sorted(ANSWER_FORMS)}")
    form = ANSWER_FORMS[answer_form]
    return ExtractConfig(tuple(dict.fromkeys(form.rules + tuple(extra_rules))), form.compete)


@dataclass(frozen=True)
class Extraction:
    answer: str | None
    rule: str  # the rule that found it, or "none"
    boxes: tuple[str, ...] = ()  # every distinct box, in order (a multi-part gold may need several)
    finals: tuple[str, ...] = ()  # the distinct boxes of the last paragraph: several are alternatives
    retracted: str = ""  # the words that took the answer back, if any
    conflict: str = ""  # a later explicit answer that differs from this one
    note: str = ""  # why there is no answer, where there is a reason beyond "none was found"
    turn_cut: bool = False  # text after the model's own turn (an invented next turn) was ignored
    cut: bool = False  # the text stops mid-sentence after the answer: a completion cut off, if no reason says
    end: int = -1  # where the answer ends in the text its rule read


_BOX_RE = re.compile(r"\\(?:boxed|fbox)")
_BOX_SEPARATOR_RE = re.compile(
    r"(?:\s|[,;$.]|\\[\[\]()]|\\q?quad|\\[,;]|\\text\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b)*")
_MARKERS = r"(?:answer|r[ée]ponse|respuesta|antwort|risposta|resposta|ответ|答案|最终答案|答え|답|정답)"
_ANSWER_LINE_RE = re.compile(rf"^[\s*#]*{_MARKERS}[\s*]*[:：][\s*]*(.+?)\s*$",
                             re.IGNORECASE | re.MULTILINE)
_IS = r"[*\s]*(?:(?:ist|est|es|is|è|é|是|为|為|は)(?![a-z])[*\s]*[:：]?|[:：=])[*\s]*"
_FINAL_ANSWER_RE = re.compile(rf"final answer{_IS}|final answer of\s+|final answer\s*\*\*[ \t]+(?=[^\s*:：])|(?:la r[ée]ponse|la respuesta|die antwort) final\w*{_IS}"
                              r"|最终答案[是:：]\s*", re.IGNORECASE)
_ANSWER_SHOULD_RE = re.compile(r"(?:the|my|our) (?:final |correct )?answer (?:should|must) be[*\s]*[:：]?[*\s]*"
                               # after a revision: "no, actually 4", "non, en fait 4", "应该是 8"
                               r"|\b(?:no|non|nein|нет)\s*,\s*(?:actually|en fait|en realidad|eigentlich|на самом деле)"
                               r",?\s*(?=\$?-?\d)|(?:应该是|应为|答案应该是)\s*",
                               re.IGNORECASE)
_ANSWER_IS_RE = re.compile(rf"(?:(?:the|my|our) (?:final )?answer|la r[ée]ponse|la respuesta|die antwort|la risposta|a resposta|答案|答え){_IS}"
                           # "so the answer must be **(A)**": a marked answer; "the answer should be less than 64" is not
                           r"|(?:the|my|our) (?:final )?answer (?:must|should) be[*\s]*(?=\(?[A-E]\)|\\boxed|\$|\\\()",
                           re.IGNORECASE)
_MATH_SPAN_RE = re.compile(r"(?<!\\)\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$((?:[^$\\]|\\.)+?)\$",
                           re.DOTALL)  # an escaped \$ inside math is a dollar sign, not a delimiter
_ANSWER_TAG_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_NUMBER_RE = re.compile(r"\b\d{1,2}(?::\d{2}){0,2}\s*(?:[aApP]\.\s?[mM]\.?|[aApP][mM]\b)"  # a time: "4:15 PM", "9 p.m."
                        r"|[-−]?\d+(?:\.\d+)?(?:\s*:\s*\d+(?:\.\d+)?)+"  # a ratio, "3:2"
                        r"|[-−]?\d[\d,]*(?:\.\d+)?(?:/\d+)?|[-−]?\.\d+")  # "−2" with a Unicode minus too
_PROSE_RE = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")
_MATH_CHARS = re.compile(r"[\d\\=+*/^_<>{}|√π∞≤≥±-]")
_FUNCTION_WORDS = frozenset(
    "a an the be is are was were should cannot can must will would not in of to this that it its we you your "
    "express remember answer form notation simplest final correct wrong sure hope please put within boxed "
    "above below so therefore thus".split())
# Taking an answer back: a first-person admission of error after it, with no new answer following.
# Remarks about a pitfall ("it is incorrect to add the cases", "this is wrong since ...") are not.
_RETRACTION_RE = re.compile(
    r"\b(?:I|we)(?:\s+have|'ve)?\s+made\s+(?:an?\s+)?(?!no\b|any\b)(?:\w+\s+)?(?:error|mistake)s?\b(?![^.\n]*\b(?:corrected|fixed)\b)|\b(?:I|we)\s+(?:was|were)\s+wrong\b"
    r"|\bmy (?:mistake|bad)\b|\boops\b|\bno,?\s+wait\b|\bcorrection\s*:|\bcan(?:'t|not) be (?:right|correct)\b"
    r"|(?:\b(?:wait|hmm+|oh|but|actually|no|however|upon re-?examination)[,.!]?\s+|(?:(?<=\n)|(?<=[.!?] )|^)[ \t]*)(?:this|that|it)(?:'s|\s+is|\s+was)\s+"
    r"(?:wrong|incorrect|not (?:right|correct)|a mistake)\b(?![ \t]+(?:to|since|because|if|when|for|as)\b)"
    r"|\bI take (?:that|it) back\b|\bscratch that\b|\bI (?:miscounted|miscalculated|misread)\b"
    r"|\b(?:this|that|it) (?:doesn't|does not|can't|cannot) (?:look|seem|be) (?:right|correct)\b"
    r"|\b(?:this|that|it) (?:looks|seems) (?:wrong|off|incorrect)\b"
    r"|\b(?:this|that|my|the)(?: \w+)? (?:previous |earlier |above )?(?:answer|result|calculation|solution|reasoning)"
    r"(?: above)?\s+(?:is|was|must be)\s+(?:wrong|incorrect|not correct)\b|\bI (?:messed|screwed) up\b"
    # a correction: "Actually, it should be 6", "Wait, the total is actually 7"
    r"|\b(?:actually|wait|hmm+|oops|sorry|no)\b[^.\n]{0,40}?\b(?:should (?:be|have been)|is actually|must be|"
    r"should read)\s+(?=\$|\\\(|\\boxed|-?\d|[A-E]\b)",
    re.IGNORECASE)
# a revision between two boxes: the earlier box is withdrawn, not offered beside the later one
_REVISION_RE = re.compile(r"\b(?:wait|hold on|hang on|actually|on second thought|let me (?:re\w+|double[- ]check|check"
                          r"|try|redo|verify)|recount\w*|recheck\w*|re-?examin\w*|re-?calculat\w*|re-?evaluat\w*|mistake"
                          r"|error|oops|correction|I missed|scratch that|not right|not correct|wrong|incorrect"
                          r"|however|instead|hmm+|re-?read\w*|re-?consider\w*|on reflection|en fait|en realidad|eigentlich"
                          r"|attends|espera|warte|на самом деле|подожди)\b|\bno\s*[—–]|\b(?:no|non|nein|нет)\s*,"
                          r"|不对|错了|其实|实际上|等等|違う|実は|待って",
                          re.IGNORECASE)
# words that offer a box beside another as an alternative ("Case 1: ... Case 2: ...", "if even ...; if odd ...")
_ALTERNATIVE_CUE_RE = re.compile(r"\b(?:or|either|otherwise|alternatively|else|whereas|if|case|cases)\b", re.IGNORECASE)
# "I don't think I made a mistake": a negation governing the admission, at most two words before it
_NEGATED_RE = re.compile(r"\b(?:not|never|don't|didn't|doesn't|do not|did not|does not)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
# words that make an earlier box a step on the way to a later one, or the same answer restated
_STEP_RE = re.compile(r"\b(?:so|then|thus|hence|therefore|gives?|giving|total|finally|now|next|substitut\w*|plug\w*|"
                      r"that is|i\.e|equivalently|in (?:interval|set|decimal|simplest) (?:notation|form)|simplif\w*|"
                      r"which is|written as|rewrit\w*)\b", re.IGNORECASE)
_QED = frozenset({"\\square", "\\blacksquare", "\\Box", "\\qed", "\\qquad\\square", "∎", "\\blacktriangleleft"})
_CJK_RE = re.compile(r"[\u3400-\u9fff\u3040-\u30ff\uac00-\ud7af]")
_THINK_START, _THINK_END = "<think>", "</think>"
RETRACTION_WINDOW = 1000  # characters after the answer where taking it back counts
FINAL_PARAGRAPH_CHARS = 300  # boxes this close to the last one are its alternatives ("Case 1: ... Case 2: ...")
# The model's turn ends at an end-of-turn token, or where it starts inventing the next turn of the dialogue;
# text markers ("Human:", "Question:") count as a new turn only after an answer was given.
_END_OF_TURN_RE = re.compile(r"<\|(?:im_end|endoftext|eot_id|end_of_text|end)\|>|</s>|<｜end▁of▁sentence｜>"
                             r"|<\|im_start\|>|\[INST\]|<｜User｜>|<\|user\|>|<\|start_header_id\|>")
_INVENTED_TURN_RE = re.compile(r"\n[ \t]*(?:#+[ \t]*)?(?:Human|User|Question|Problem|Instruction|Q)[ \t]*[:：]")
_ANSWER_SIGN_RE = re.compile(r"\\boxed|\\fbox|answer|</think>", re.IGNORECASE)
_ALTERNATIVE_RE = re.compile(r"\b(?:(?:is|are) also (?:plausible|possible|correct|valid)|or possibly"
                             # "Alternatively, 4 + 4 = 8 ✓" checks the answer another way; "Alternatively, 9" offers one
                             r"|alternatively(?![,:]?\s+(?:we|one|I|you|using|by|via|with|another|a different|consider"
                             r"|note|check|verif\w*|comput\w*|calculat\w*|\$|\\\(|[\d(]))"
                             r"|or perhaps|or maybe|or else|(?:might|could|may) also be|would be \S+ instead"
                             r"|\b(?:it|that|the answer) (?:could|might|may) (?:well |also )?be(?= \$?\\?\(?-?\d))\b"
                             # "(or 2/3 if the ratio is taken the other way)"; not "(or equivalently 1.5)"
                             r"|\(\s*or\b(?!\s+(?:equivalently|simply|in|as|written|that is|about|approximately|roughly)\b)",
                             re.IGNORECASE)
_CAUSAL_RE = re.compile(r"\b(?:since|because|as|so|which|where|thus|hence|therefore|that is|i\.e)\b", re.IGNORECASE)
# A box or a math span is an answer the model marked; a prose marker may be followed by prose.
_PROSE_MARKER_RULES = frozenset({"answer_tag", "answer_line", "final_answer", "answer_is", "answer_should"})


def extract_answer(text: str, config: ExtractConfig = BOXED_CONFIG) -> Extraction:
    turn = model_turn(text)
    found = _extract_turn(turn, config)
    return dataclasses.replace(found, turn_cut=True) if len(turn) < len(text.rstrip()) else found


def _extract_turn(text: str, config: ExtractConfig) -> Extraction:
    if _THINK_END in text:
        offset = text.rfind(_THINK_END) + len(_THINK_END)
        after = text[offset:]
        if config.compete == 1:  # a prompt's answer comes after the thinking
            return _shifted(_extract(after, config), offset)
        rules = tuple(r for r in config.rules if r != "bare")  # "done" after the thinking is no answer
        found = _extract(after, ExtractConfig(rules, config.compete))
        if found.answer is not None:  # no prompt: any answer after the thinking, even in prose; else anywhere
            return _shifted(found, offset)
    elif _THINK_START in text:
        found = _extract(text, config)  # "<think> ... So the final answer is \\boxed{-1}": it ended on its answer
        if found.answer is not None and found.rule == "boxed" and not text[text.rfind("}") + 1:].strip():
            return found
        return Extraction(None, "none", note="unclosed <think>: the reasoning never ended")
    return _extract(text, config)


def _shifted(found: Extraction, offset: int) -> Extraction:
    return dataclasses.replace(found, end=found.end + offset) if found.end >= 0 else found


def model_turn(text: str) -> str:
    """The completion up to the end of the model's own turn."""
    end = _END_OF_TURN_RE.search(text)
    if end:
        text = text[:end.start()]
    for turn in _INVENTED_TURN_RE.finditer(text):
        if _ANSWER_SIGN_RE.search(text, 0, turn.start()):
            return text[:turn.start()]
    return text


def extract_gold(gold: str) -> str:
    """A reference answer as one answer: its boxes if it is a worked solution; in a sentence, what follows "is"
    (or "=", "equals", "est", "是") up to a condition ("attained when", "if", "for", "except"); else itself.
    A gold offering one answer in two forms ("1/2 (or equivalently 0.5)", "A OR B", "2^{10} = 1024") is
    returned as its forms joined by FORMS_SEP: any of them answers."""
    _, _, boxed = _boxed(gold)
    if boxed:
        return boxed
    if _IFF_RE.search(gold):  # "n is odd if and only if n^2 is odd": a statement, compared whole
        return _MATH_DELIMS_RE.sub("", gold).strip().rstrip(".")
    parts = _PART_LABEL_RE.split(gold.strip())
    if len(parts) > 2 and not parts[0].strip():  # "(a) 3, (b) 2": the parts' answers, in order
        return ", ".join(p.strip().rstrip(",;.").strip() for p in parts[1:])
    texts = re.findall(r"\\text\{([^{}]*)\}", gold)
    if any(_COPULA_RE.search(t) and len(t.split()) >= 3 for t in texts):  # "\\text{The minimum value is } 5 ..."
        answer = _sentence_answer(re.sub(r"\\text\{([^{}]*)\}", r"\1", gold)) or gold
    else:
        answer = _sentence_answer(gold) or gold
    return FORMS_SEP.join(_gold_forms(answer))


_PART_LABEL_RE = re.compile(r"(?:^|(?<=[,;])|(?<=\\\\))\s*(?:\\text\{\s*)?\(?(?:[a-h]|i{1,3}|iv)\)(?:\s*\})?\s*:?\s*")


_IFF_RE = re.compile(r"\bif and only if\b|\\(?:iff|Leftrightarrow)(?![a-zA-Z])")
_MATH_DELIMS_RE = re.compile(r"(?<!\\)\$+|\\[\[\]()]")
# what joins a sentence's subject to its answer; and what starts a condition on it ("attained when a = 2")
_COPULA_RE = re.compile(r"\b(?:is|are|equals|equal to|was|were|est|sont|es|son|ist|sind|vale)\b|[是为為]", re.IGNORECASE)
_CONDITION_RE = re.compile(r"\b(?:attained|achieved|obtained|reached|occurring|occurs|when|whenever|if|where|at|for|"
                           r"with|provided|except|excluding|unless|atteinte?s?|lorsque|quand|si|pour|cuando|wenn|"
                           r"für|bei)\b|当|时", re.IGNORECASE)
_GOLD_FORMS_RE = re.compile(r"\s*\(\s*(?:or\s+)?(?:equivalently|i\.e\.?|that is|=|≈|\\approx)\s*,?\s*(.+?)\s*\)\s*\.?$"
                            r"|(?<![=,+\-*/(])\s+\(\s*([^(),a-zA-Z]*\d[^(),a-zA-Z]*)\)\s*\.?$"  # "\\frac{1}{2} (0.5)"
                            r"|\s*(?:\\approx|≈)\s*"  # "\\sqrt{7} \\approx 2.646"
                            r"|\s*,?\s*(?:\\text\{\s*)?(?:\b(?:or equivalently|equivalently|that is)\b|\bi\.e\.?)(?:\s*\})?,?\s*"
                            r"|\s*(?:\\text\{\s*OR\s*\}|\bOR\b)\s*")


def _sentence_answer(gold: str) -> str | None:
    """'The maximum value is $8$, attained when $a = 2$.' -> '8'; None where the gold is no sentence."""
    spans = list(_MATH_SPAN_RE.finditer(gold))
    masked = _MATH_SPAN_RE.sub(lambda m: "\x00" * len(m.group(0)), gold)  # prose only, at the same positions
    outside = masked.replace("\x00", " ")
    if not (_PROSE_RE.search(outside) or re.search(r"[\u3400-\u9fff]", outside)) or (not spans and "\\" in gold):
        return None  # not a sentence; or LaTeX with its own words ("\\text{all odd } r"), an answer as it stands
    if spans and _BOX_SEPARATOR_RE.fullmatch(outside):
        return _joined_spans(gold, spans)  # "$1$ and $2$"
    copula = _COPULA_RE.search(masked)
    start = copula.end() if copula else 0
    value = _VALUE_RE.search(gold, start)  # a condition counts once a value came before it (linear in the gold)
    condition = next((c for c in _CONDITION_RE.finditer(masked, value.end()) if c.start() >= value.end()), None) \
        if value else None
    end = condition.start() if condition else len(gold)
    later = list(_COPULA_RE.finditer(masked, start, end))  # "the number of n for which n is prime is 4"
    if later and _has_value(gold[later[-1].end():end]):
        start = later[-1].end()
    if not _has_value(gold[start:end]) and copula:
        start, end = 0, copula.start()  # "$x = 5$ is the only solution"
    region = gold[start:end]
    if not _has_value(region):
        return None
    inside = [m for m in spans if m.start() >= start and m.end() <= end]
    if inside:
        return _joined_spans(gold, inside)
    return re.sub(r"^(?:the|a|an)\s+", "", region.strip(" \t\n,;:.。，("), flags=re.IGNORECASE) or None


_VALUE_RE = re.compile(r"[\d$\\]|\b(?:yes|no|all|none)\b", re.IGNORECASE)


def _has_value(text: str) -> bool:
    return bool(_VALUE_RE.search(text))


def _joined_spans(gold: str, spans: list[re.Match]) -> str:
    """The last spans joined by "and"/"or"/commas ("are \\(n = 3\\) and \\(n = 4\\)")."""
    last = [spans[-1]]
    for span in reversed(spans[:-1]):
        if not _BOX_SEPARATOR_RE.fullmatch(gold[span.end(): last[0].start()]):
            break
        last.insert(0, span)
    return ", ".join(s for s in (_span_text(m) for m in last) if s)


def _gold_forms(answer: str) -> list[str]:
    """'\\frac{1}{2} (or equivalently 0.5)', 'A OR B', '2^{5}, i.e. 32', '2^{10} = 1024': the forms of one answer."""
    from passk.grade.equivalence import equation_sides

    parts = [p for p in _GOLD_FORMS_RE.split(answer) if p and p.strip()]
    if len(parts) > 1:
        return [p.strip() for p in parts]
    sides = equation_sides(answer)
    if len(sides) > 1 and all(sides) and "<" not in answer and ">" not in answer:
        named = sides[1:] if re.fullmatch(r"[A-Za-z](?:_\{?\w+\}?)?", sides[0]) else sides
        constant = [side for side in named if not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", side))]
        if len(named) > 1 and len(constant) == len(named):  # "2^{10} = 1024", "S = 3 + 4 = 7": each side answers
            return named
    return [answer]


def _span_text(match: re.Match) -> str:
    return next(g for g in match.groups() if g is not None).strip()


_NO_FORM_NOTE = "policy: no answer in the form the prompt asked for, nor after an answer marker"


def _extract(text: str, config: ExtractConfig) -> Extraction:
    found = [(end, rule, answer) for rule in config.rules[:config.compete]
             for end, answer in [_find(rule, text)] if answer]
    if found:
        end, rule, answer = _revised(text, *max(found))
        box = next((f for f in found if f[1] == "boxed"), None)
        if box and rule != "boxed" and normalize_answer(box[2]) != normalize_answer(answer) \
                and not (_REVISION_RE.search(text, box[0], end) or _STEP_RE.search(text, box[0], end)
                         or retraction_in(text, box[0], end)):  # a box revised, or a step on the way, is no rival
            # no prompt: a later different final is a second answer, not a silent replacement of the box
            return _extraction(text, box[0], "boxed", box[2], answer)
        return _extraction(text, end, rule, answer, _later_conflict(text, end, answer, config))
    for rule in config.rules[config.compete:]:
        end, candidate = _find(rule, text)
        if candidate:
            end, rule, candidate = _revised(text, end, rule, candidate)
            return _extraction(text, end, rule, candidate, _later_conflict(text, end, candidate, config))
    return Extraction(None, "none", note=_NO_FORM_NOTE if config.compete == 1 else "")


def _revised(text: str, end: int, rule: str, answer: str) -> tuple[int, str, str]:
    """'\\boxed{120}. Hmm, I added wrong. Recounting: ... So the answer is 100.': an explicit final stated after a
    revision of the answer replaces it, as a reader takes the model's last committed answer; otherwise the answer."""
    for _ in range(4):  # a few revisions in a row, each answered anew
        if not (_REVISION_RE.search(text, end) or retraction_in(text, end, len(text))):
            break  # nothing after the answer revises it (most completions): no later answer replaces it
        for later_rule in _EXPLICIT_RULES + ("answer_is", "answer_should"):
            at, later = _find(later_rule, text[end:])
            later_rule = "answer_is" if later_rule == "answer_should" else later_rule
            if later and not same_answer(later, answer) and \
                    (_REVISION_RE.search(text, end, end + at) or retraction_in(text, end, end + at)) and \
                    not (later_rule == "answer_is" and _aside(text[end:], at)):
                end, rule, answer = end + at, later_rule, later
                break
        else:
            break
    return end, rule, answer


_WORD_OR_DIGIT_RE = re.compile(r"[^\W_]")
_CLAUSE_LEAD_RE = re.compile(r"(?:[,;:]|\.\s)\s*(?=(?:so|thus|therefore|hence)\b)", re.IGNORECASE)


def _later_conflict(text: str, end: int, answer: str, config: ExtractConfig) -> str:
    """Where the prompt asked for one form, an explicit answer stated after it that differs makes two finals;
    so does an alternative offered after it ("(though D is also plausible)")."""
    if not _WORD_OR_DIGIT_RE.search(text, end):
        return ""  # "...$\\boxed{5}$." ends the text: nothing after the answer to contradict it (most completions)
    alternative = _ALTERNATIVE_RE.search(text, end, end + RETRACTION_WINDOW)
    if alternative:
        return alternative.group(0)
    tail = text[end:]  # only what comes after the answer can contradict it
    for rule in _EXPLICIT_RULES + ("answer_is",):
        at, later = _find(rule, tail)
        if later and not same_answer(later, answer) and not (rule == "answer_is" and _aside(tail, at)):
            return later
    return _closing_restatement(tail, answer)


def _closing_restatement(tail: str, answer: str) -> str:
    """'So, in summary, there are 46 valid codes.' after the answer 48: a concluding line that states another
    number is a second final answer. Only a line that concludes (so, thus, in summary, ...) and states one number."""
    line = tail.rstrip()[tail.rstrip().rfind("\n") + 1:]
    leads = list(_CLAUSE_LEAD_RE.finditer(line))  # the last "..., so ..." / ". Therefore ..." that ends the line
    clause = re.fullmatch(r"[^,;:]*", line[leads[-1].end():]) if leads else None
    if clause and not _STATEMENT_LEAD_RE.match(line.strip()):  # "That leaves 1 to 5, so the count is 5."
        line = clause.group(0)
    if not line.strip() or not _STATEMENT_LEAD_RE.match(re.sub(r"\*\*|__", "", line).strip().lstrip("#>-* ")):
        return ""
    spans = list(_MATH_SPAN_RE.finditer(line))
    value = statement_value(line) or (_span_text(spans[0]) if len(spans) == 1 else None)  # "Therefore $P=\\frac56$."
    value = value and re.split(r"(?<![<>!\\])=", value)[-1].strip()  # "the area is 6 \cdot 4 = 24": its last side
    if not value or not _PLAIN_VALUE_RE.fullmatch(normalize_answer(value)):
        return ""
    if not _PLAIN_VALUE_RE.fullmatch(normalize_answer(answer)):
        return ""
    return value if not same_answer(value, answer) else ""


# what a closing restatement may state and be compared by: numbers, lists of them, a plus-minus ("x = \pm 2")
_PLAIN_NUMBER = r"(?:[a-zA-Z]=)?-?(?:\d[\d,]*(?:\.\d+)?(?:/\d+)?%?|\\frac\{\d+\}\{\d+\})"
_PLAIN_VALUE_RE = re.compile(rf"{_PLAIN_NUMBER}(?:,{_PLAIN_NUMBER})*")


def same_answer(a: str, b: str) -> bool:
    """Two statements of one answer ('3/4' and '0.75, i.e. 75%'); unsure counts as different only where the
    canonical strings differ."""
    x, y = normalize_answer(a), normalize_answer(b)
    if x == y:
        return True
    judged = quick_verdict(x, y)
    return judged is not None and judged.equal


def _aside(text: str, end: int) -> bool:
    """'(For a $3 \\times 3$ board the answer is $5$.)': a remark in parentheses, or about another case."""
    markers = list(_ANSWER_IS_RE.finditer(text, 0, end))
    if not markers:
        return False
    at = markers[-1].start()
    before = text[max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1: at]
    return before.count("(") > before.count(")") or bool(_CONDITION_WORDS_RE.search(before))


_CONDITION_WORDS_RE = re.compile(r"\b(?:for (?:a|an|the|each|every|n|k|m)\b|for \$|if|when|in the case|had|were)\b",
                                 re.IGNORECASE)  # "(For a $3 \\times 3$ board ...)"; not "divide by 2! for them"


def _find(rule: str, text: str) -> tuple[int, str | None]:
    end, answer = _FINDERS[rule](text)
    if answer and rule in _PROSE_MARKER_RULES and _words_without_math(answer) \
            and not re.match(r"(?:yes|no)\b", answer, re.IGNORECASE):  # "yes: every such graph has a cycle"
        return -1, None
    if answer and _BOX_RE.search(answer) and _boxed(answer)[2] is None:
        # a box the model opened and never closed ("$\boxed{2^{3x} = 2^{3x}$, which..."), or left empty ("within
        # \boxed{}"): no answer, where Math-Verify would read the box's first characters ("2") as one
        return -1, None
    return end, answer


def _extraction(text: str, end: int, rule: str, answer: str, conflict: str = "") -> Extraction:
    said_more = _WORD_OR_DIGIT_RE.search(text, end) is not None  # most completions end on their answer
    retraction = retraction_in(text, end, end + RETRACTION_WINDOW) if said_more else ""
    return Extraction(answer, rule, _all_boxes(text), _final_boxes(text), retraction, conflict,
                      cut=said_more and _cut_after(text, end), end=end)


def retraction_in(text: str, start: int, end: int) -> str:
    """The first admission of error in text[start:end] that is not negated ("I made no error", "I don't think
    I made a mistake"), or ''."""
    for match in _RETRACTION_RE.finditer(text, start, min(end, len(text))):
        if not _NEGATED_RE.search(text, max(start, match.start() - 40), match.start()):
            return match.group(0)
    return ""


CUT_TAIL_CHARS = 100
# What may follow a committed answer in a sample cut at its token limit without unsettling it: a check, a
# summary, an explanation, the answer restated. Any doubt or second thought in the tail unsettles it.
_CHECK_LEAD_RE = re.compile(
    r"(?:let(?:'s| me| us)\s+(?:also\s+|quickly\s+|now\s+|just\s+)?|we\s+(?:can\s+)?(?:also\s+)?|i(?:'ll| will)?\s+"
    r"(?:also\s+)?|to\s+|now\s+(?:let(?:'s| me| us)\s+)?)?"
    r"(?:verif\w*|check\w*|double[- ]?check\w*|sanity|confirm\w*|summar\w*|in summary|recap\w*|explanation"
    r"|because|since|indeed|this (?:is|matches|agrees|confirms|makes|gives)|which (?:matches|agrees|confirms)|i hope"
    r"|final answer|the answer is|so the answer is|therefore,? the answer is|✓|✔"
    r"|(?:method|approach|solution) (?:2|two|ii)\b|(?:another|a second|an alternative|a different) (?:method|way|approach))",
    re.IGNORECASE)
_CONTINUATION_RE = re.compile(r"then|next|now|and|or|so|step|part|case|second|first|for|if|to|the|a|we|let|but|wait|hmm+"
                              r"|however|actually|no|not|maybe|is|are", re.IGNORECASE)
_SETTLING_RULES = frozenset({"boxed", "answer_tag", "answer_line", "final_answer", "answer_is", "last_statement"})
_DOUBT_RE = re.compile(r"\b(?:wait|hold on|hang on|actually|hmm+|however|but|mistake|error|wrong|incorrect|not right"
                       r"|not correct|oops|instead|re-?consider\w*|redo|recount\w*|re-?calculat\w*|re-?read\w*|maybe|perhaps"
                       r"|whether|unless|doesn't|does not|isn't|is not|fails?|contradict\w*|✗|✘)\b|[✗✘]|\?", re.IGNORECASE)


def settled(completion: str, extraction: Extraction) -> bool:
    """Whether a cut sample's answer was committed before the cut (see _settled); asked only of cut samples."""
    if extraction.answer is None or extraction.end < 0:
        return False
    return _settled(model_turn(completion), extraction.end, extraction.rule, extraction.answer)


def _settled(text: str, end: int, rule: str, answer: str) -> bool:
    """'\\boxed{42}. Let me verify: 6 * 7 = 4' cut at the token limit: the answer was complete and committed,
    and the cut fell in its check. The answer must close (a box, or a sentence ended after it), and the tail must
    open with a check, a summary, an explanation or the answer restated, with no doubt anywhere in it."""
    tail = text[end:]
    if rule not in _SETTLING_RULES:  # a guessed answer ("... 1 + 8 = 9" before "$\\boxed{9") settles nothing
        return False
    if rule != "boxed":  # a prose answer ends where its sentence ends: "So x = 12" cut may have been 125
        closed = re.match(r"\s*(?:\$\$?|\\\]|\\\)|\*\*)?\s*(?:[.!]|\n)", tail)
        if not closed and not re.search(r"(?:\$|\\\]|\\\))$", text[:end]):  # "The answer is $12$ because" is whole
            return False
        tail = tail[closed.end():] if closed else tail
    lead = re.sub(r"^(?:[\s.,;:!$*#>_-]|\\\]|\\\))+", "", tail).rstrip()
    if _DOUBT_RE.search(tail) or retraction_in(text, end, len(text)):
        return False
    sentence = text[max(text.rfind(". ", 0, end), text.rfind("\n", 0, end)) + 1: end].strip()
    return bool(_CHECK_LEAD_RE.match(lead)) \
        or (rule == "boxed" and re.fullmatch(r"[A-Za-z]*", lead) is not None and not _CONTINUATION_RE.fullmatch(lead)) \
        or (len(lead) > 2 and sentence.lower().startswith(lead.lower()))  # cut while repeating itself


def _cut_after(text: str, end: int) -> bool:
    """A long tail after the answer that stops mid-sentence ("... and then divide the"): the text was cut off."""
    tail = re.sub(r"^\s*(?:\$\$?|\\\]|\\\))", "", text[end:].rstrip())  # the closing delimiter of the answer's math
    if len(tail) < CUT_TAIL_CHARS:
        # a short tail cut too: it ends on a word that cannot end a sentence ("..., and now we subtract the ones that"),
        # or it is a line of prose that stops without its period ("This matches our earlier")
        last = tail[tail.rfind("\n") + 1:].strip()
        return bool(tail.strip()) and (bool(_CUT_END_RE.search(tail) and re.search(r"[A-Za-z]{2,}\s+\S+$", tail))
                                       or bool(re.fullmatch(r"[A-Z][a-z]+(?: [a-z]+){3,}", last)))
    open_math = tail.count("$") % 2 or tail.count("\\[") > tail.count("\\]") or tail.count("\\(") > tail.count("\\)")
    return bool(open_math or _CUT_END_RE.search(tail))


# a text that ends on one of these has stopped mid-sentence: "... and then divide the", "... = 3 +"
_CUT_END_RE = re.compile(r"(?:[,(+\-=*/^{]|\b(?:the|a|an|of|to|and|or|is|are|be|we|by|in|on|at|for|with|from|that|"
                         r"which|then|so|as|this|its|their|our|into|than|if|when|where|but)\b)$", re.IGNORECASE)


def _words_without_math(answer: str) -> bool:
    """'cannot be wrong', 'in interval notation)': prose, not an answer; 'odd', '(C)', 'yes' are answers."""
    plain = re.sub(r"\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}", r"\1", answer)
    if _MATH_CHARS.search(plain):
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", plain) if len(w) > 1]  # "A, B, C" are letters, not prose
    if not words:
        return not re.search(r"[^\W\d_]", plain)
    return len(words) > 3 or any(w.lower() in _FUNCTION_WORDS for w in words)


def last_boxed(text: str) -> str | None:
    """Content of the last box (trailing boxes joined); None when absent or never closed."""
    return _boxed(text)[2]


@lru_cache(maxsize=4)  # extraction asks for one completion's boxes several times; a str caches its hash
def _box_spans(text: str) -> tuple[tuple[int, int, str], ...]:
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
    return tuple(b for b in boxes if b[2])


def _boxed(text: str) -> tuple[int, int, str | None]:
    """(start, end, answer) of the last group of boxes; a repeated box counts once."""
    boxes = _box_spans(text)
    if not boxes:
        return -1, -1, None
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        if not _BOX_SEPARATOR_RE.fullmatch(text[box[1]: group[0][0]]):
            break
        group.insert(0, box)
    contents = list(dict.fromkeys(content for _, _, content in group))  # "\boxed{6}\boxed{6}" is one 6
    return group[0][0], boxes[-1][1], ", ".join(contents)


def _all_boxes(text: str) -> tuple[str, ...]:
    """Every box the completion still stands by: one followed by a revision before the next box is withdrawn."""
    boxes = _box_spans(text)
    # each box with the next one, the last with the end of the text (strict=False: no box, the end alone)
    live = [content for (_, end, content), following in zip(boxes, boxes[1:] + ((len(text), 0, ""),), strict=False)
            if following[1] == 0 or not (_REVISION_RE.search(text, end, following[0]) or retraction_in(text, end, following[0]))]
    return tuple(dict.fromkeys(live))


def _final_boxes(text: str) -> tuple[str, ...]:
    """'If ordered, \\boxed{12}; if not, \\boxed{6}.': the boxes of the final paragraph, distinct."""
    boxes = _box_spans(text)
    if not boxes:
        return ()
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        gap = text[box[1]: group[0][0]]
        if group[0][0] - box[1] > FINAL_PARAGRAPH_CHARS or _REVISION_RE.search(gap) or retraction_in(text, box[1], group[0][0]):
            break  # far away, or revised before the later box: not an alternative
        if _STEP_RE.search(gap) and not _ALTERNATIVE_CUE_RE.search(text, max(0, box[0] - 80), group[0][0]):
            break  # "$a = \boxed{4}$ ..., so $a + b = \boxed{10}$": a step on the way (unless "or", "if", "case")
        if _named_side(box[2]) and _named_side(box[2]) != _named_side(group[0][2]):
            break  # "\boxed{\sin\theta = \frac{1}{2}}, so \theta = \boxed{\frac{\pi}{6}}": another quantity, a step
        group.insert(0, box)
    return tuple(dict.fromkeys(content for _, _, content in group))


def _named_side(box: str) -> str:
    """'\\sin\\theta' of a box '\\sin\\theta = \\frac{1}{2}': the quantity a box of one equation names; '' otherwise."""
    sides = box.split("=")
    return re.sub(r"\s+", "", sides[0]) if len(sides) == 2 and sides[0].strip() and "\\" not in sides[0][-1:] else ""


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


def _finder_boxed(text: str) -> tuple[int, str | None]:
    _, end, answer = _boxed(text)
    return end, answer


def _answer_tag(text: str) -> tuple[int, str | None]:
    matches = list(_ANSWER_TAG_RE.finditer(text))
    if not matches:
        return -1, None
    inside = matches[-1].group(1)
    boxed = _boxed(inside)[2]
    return matches[-1].end(), boxed or _strip_math_delims(inside) or None


def _answer_line(text: str) -> tuple[int, str | None]:
    if not _has_marker_word(text, "answer"):
        return -1, None
    matches = list(_ANSWER_LINE_RE.finditer(text))
    if not matches:
        return -1, None
    return matches[-1].end(), _strip_math_delims(matches[-1].group(1))


def _final_answer(text: str) -> tuple[int, str | None]:
    return _after_marker(text, _FINAL_ANSWER_RE)


def _answer_is(text: str) -> tuple[int, str | None]:
    return _after_marker(text, _ANSWER_IS_RE)


def _answer_should(text: str) -> tuple[int, str | None]:
    """'The answer should be 14': an answer only where it follows a revision (see _revised); else a check."""
    return _after_marker(text, _ANSWER_SHOULD_RE)


def _after_marker(text: str, marker: re.Pattern) -> tuple[int, str | None]:
    end, answer = _marked_answer(text, marker)
    boxed = _boxed(answer)[2] if answer and "\\boxed" in answer else None
    return end, boxed or answer  # "**Final Answer:** \\[\\boxed{5}\\]" answers 5


@lru_cache(maxsize=8)
def _lower(text: str) -> str:
    return text.lower()


# A marker regex scans every position of a long completion; most completions hold none of its words, so a plain
# substring test first saves that scan (the free answer form tries every marker on every completion).
_MARKER_WORDS = ("answer", "réponse", "reponse", "respuesta", "antwort", "risposta", "resposta", "ответ", "答", "답")
_HINTS = {"final": ("final", "最终答案"), "should": ("answer", "no", "non", "nein", "нет", "应")}


def _has_marker_word(text: str, kind: str) -> bool:
    low = _lower(text)
    return any(word in low for word in _HINTS.get(kind, _MARKER_WORDS))


def _marked_answer(text: str, marker: re.Pattern) -> tuple[int, str | None]:
    kind = "final" if marker is _FINAL_ANSWER_RE else "should" if marker is _ANSWER_SHOULD_RE else "answer"
    if not _has_marker_word(text, kind):
        return -1, None
    # a marker with nothing after it ("The answer is 210. The answer is", cut) leaves the one before it standing
    matches = [m for m in marker.finditer(text) if text[m.end():].strip(" \t\n*$")]
    if not matches:
        return -1, None
    at = matches[-1].end()
    rest = text[at:]
    span = _MATH_SPAN_RE.match(rest)
    if span:  # "$x = 5$ or $x = 7$": spans joined by anything but a reason are all part of the answer
        spans, end = [_span_text(span)], span.end()
        for following in _MATH_SPAN_RE.finditer(rest, span.end()):
            gap = rest[end: following.start()]
            if re.search(r"\.(?:\s|$)|\n|:", gap) or _CAUSAL_RE.search(gap):
                break
            spans.append(_span_text(following))
            end = following.end()
        return at + end, ", ".join(dict.fromkeys(spans))
    # up to the end of the sentence: a period followed by a space or the end, not a decimal point
    sentence = re.split(r"(?<!\bi\.e)(?<!\be\.g)\.(?:\s|$)|\n|。", rest, maxsplit=1)[0]
    end = at + len(sentence)
    # "Final Answer: The volume of $ABCD$ is 120." -> what follows the last " is "; "4, car ..." -> before the reason
    sentence = re.split(r"\s(?:is|are|equals)\s", sentence)[-1]
    sentence = re.split(r",\s*(?:because|since|car|parce que|weil|porque|pues|потому что|так как)\b", sentence)[0]
    return end, _strip_math_delims(sentence) or None


# The closing line of a free-form answer: lead words and a label go ("So,", "Solution:"), markdown too.
_STATEMENT_LEAD_RE = re.compile(r"^(?:(?:so|thus|therefore|hence|then|finally|overall|altogether|consequently|"
                                r"restat\w*(?: the (?:result|answer))?|to restate|in other words|"
                                r"in (?:summary|conclusion|total)|in all|all in all)\b[,:]?\s*)+", re.IGNORECASE)
_ATTAINED_RE = re.compile(r",?\s*(?:(?:which|and) (?:is |it is |this is )?)?(?:attained|achieved|reached|obtained|occurring"
                          r"|which occurs|with equality)\b", re.IGNORECASE)
_ATTAINED_WHERE_RE = re.compile(r"\b(?:maximum|minimum|max|min|largest|smallest|greatest|least)\b[^.]*?\b(?:attained|"
                                r"achieved|reached|occurs)\b[^.]*?,?\s*(?:where|when|with|and)\s+[a-zA-Z]\([^()]*\)\s*=\s*"
                                r"([^,;]+?)\s*$", re.IGNORECASE)
_STATEMENT_CONDITION_RE = re.compile(r"\bfor (?:all|every|each|any)\b|\b(?:once|when|whenever|if|since|because|after|before|where|excluding|except|"
                                     r"so that|provided|unless|as long as)\b", re.IGNORECASE)
# words that answer a question on their own ("Is n^2 + n even?"): a closing line may state one after its verb
_ANSWER_WORDS_RE = re.compile(r"(?:even|odd|true|false|yes|no|never|always|impossible|possible|infinitely many|"
                              r"infinite|none|zero)\b", re.IGNORECASE)
_STATEMENT_PHRASE_RE = re.compile(r"^(?:in|as|with|using|written in|expressed in) [a-z ]{2,30},\s*", re.IGNORECASE)
_STATEMENT_EQUALS_LABEL_RE = re.compile(r"^[A-Za-z]{3,}(?: [A-Za-z]+){0,3}\s*=\s*(?=\S)")
_LEADING_WORDS_RE = re.compile(r"^(?:(?<![\\\w])[A-Za-z]{2,}[ ,]+)+(?=\S)")
_TRAILING_WORDS_RE = re.compile(r"(?:\s+(?<![\\])[A-Za-z]{2,}(?:/[A-Za-z]+)?(?:\^\{?\d\}?)?|\s+[a-z](?:/[a-z]+)+)+$")
_ALGEBRA_RE = re.compile(r"[a-zA-Z)]\s*[-+*/^]\s*[a-zA-Z0-9(]|\)\s*\(")
_HEDGE_WORDS_RE = re.compile(r"\b(?:about|approximately|approx|around|roughly|nearly|almost|maybe|probably|possibly|"
                             r"perhaps|likely|close to)\b|[~≈]|\\approx", re.IGNORECASE)
_VULGAR_FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅙": "1/6", "⅛": "1/8"}
_STATEMENT_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z ]{0,24}[:：]\s*")
_STATEMENT_COPULA_RE = re.compile(r"\s(?:is|are|equals|was|were|be|makes?|gives?|has|have|get|gets|comes? to|becomes|"
                                  r"(?:factors?|factorizes|simplifies|reduces|expands|evaluates|works out) (?:as|to))\s",
                                  re.IGNORECASE)
_NOT_A_STATEMENT_RE = re.compile(r"^(?:(?:double[- ]|sanity )?check(?:ing)?|verification|verify(?:ing)?|note|hint|proof|"
                                 r"step \d+)\b",
                                 re.IGNORECASE)  # a check of the answer restates its working, not the answer
_MAGNITUDE_WORD_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s+(thousand|million|billion)\b", re.IGNORECASE)
_RATIO_WORDS_RE = re.compile(r"\b(\d+)\s+to\s+(\d+)\b")
_NUMBER_WORD_RUN_RE = re.compile(r"\b(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                                 r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
                                 r"seventy|eighty|ninety|hundred|thousand|million)(?:[\s-]+(?:and\s+)?)?)+\b",
                                 re.IGNORECASE)
_FRACTION_WORDS_RE = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|a)[\s-]+(?:half|halves|thirds?|"
                                r"quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?)\b", re.IGNORECASE)
_DIGIT_GROUPS_RE = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d.,])")  # "65 536": thousands apart
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUPERSCRIPT_RE = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
_VALUE_WORDS_RE = re.compile(r"(?<![\\a-zA-Z])(?!(?:a?(?:sin|cos|tan|cot|sec|csc)h?|arc(?:sin|cos|tan)|log|exp|sqrt|det|max|min)"
                             r"(?![a-zA-Z]))[a-zA-Z]{3,}")  # words, not functions written without a backslash
STATEMENT_MAX_CHARS = 200


def _last_statement(text: str) -> tuple[int, str | None]:
    """The value stated by the completion's closing line, where it is a short closing statement; a check of the
    answer after it ("Double-check: ...") is passed over (at most two such lines)."""
    stripped = text.rstrip()
    end = len(stripped)
    for _ in range(3):
        line = stripped[stripped.rfind("\n", 0, end) + 1: end]
        plain = re.sub(r"\*\*|__|`", "", line).strip().lstrip("#>-* ")
        if not _NOT_A_STATEMENT_RE.match(plain) or end == len(stripped) and line == stripped.lstrip():
            break
        end = stripped.rfind("\n", 0, end)  # the line before the check
        while end > 0 and not stripped[stripped.rfind("\n", 0, end) + 1: end].strip():
            end = stripped.rfind("\n", 0, end)
        if end <= 0:
            return -1, None
    if not line.strip() or len(line) > STATEMENT_MAX_CHARS or (line == stripped.lstrip() and _bare(text)[1]) \
            or (_CUT_END_RE.search(plain.rstrip()) and not re.search(r"\b\(?[A-E]\)?\W*$", line)):
        return -1, None  # a one-line completion that is its own answer is bare's; a line cut mid-sentence states nothing
    value = statement_value(line)
    return (end, value) if value else (-1, None)


def statement_value(line: str) -> str | None:
    """'She can make twelve outfits.' -> '12'; 'So the solutions are $x = 5$ or $x = 2$.' -> 'x = 5 or x = 2';
    'Option A' -> 'A'; a line with no value, or with more than one candidate, -> None."""
    s = re.sub(r"\*\*|__|`", "", line).strip().lstrip("#>-* ").strip()
    s = _SUPERSCRIPT_RE.sub(lambda m: "^{" + m.group(0).translate(_SUPERSCRIPT) + "}", s).replace("−", "-")
    s = _STATEMENT_LEAD_RE.sub("", s)
    if _NOT_A_STATEMENT_RE.match(s):
        return None
    label = _STATEMENT_LABEL_RE.match(s)
    if label:
        s = s[label.end():]
    s = s.strip().rstrip(".!。").strip()
    attained_where = _ATTAINED_WHERE_RE.search(s)
    if attained_where:  # "the maximum is attained at x = 2, where f(2) = 8": the value, not where
        return attained_where.group(1).strip()
    condition = _ATTAINED_RE.search(s)
    conditioned = condition is not None and _has_value(s[:condition.start()])
    if condition is not None and conditioned:  # "the minimum of f is $4$, attained at $x = 2$": not where attained
        s = s[:condition.start()].rstrip(" ,;")
    if not _MATH_DELIMS_RE.sub("", s).strip() or _CJK_RE.search(s) or _HEDGE_WORDS_RE.search(s):
        return None  # other rules read these (answers in Chinese; a hedge is judged where it is found)
    for char, fraction in _VULGAR_FRACTIONS.items():
        s = re.sub(rf"(\d)\s*{char}", rf"\1 {fraction}", s).replace(char, fraction)  # "2 ¾" is 2 3/4
    letter = choice_letter(s)
    if letter:
        return letter
    s = _STATEMENT_PHRASE_RE.sub("", s)  # "In standard form, z = 0 + 2i"
    label = _STATEMENT_EQUALS_LABEL_RE.match(s)
    if label:
        s = s[label.end():]  # "Area = (a - b)(a + b)": a word named, then its value
    for char, latex in UNICODE_MATH:  # "4π", "x ≥ 4", "3 × 10^8": the value keeps its symbols
        s = s.replace(char, latex)
    s = re.sub(r"√\s*(\d+|[a-zA-Z]|\([^()]*\))", r"\\sqrt{\1}", s)  # "√8"
    s = _FRACTION_WORDS_RE.sub(lambda m: fraction_from_words(m.group(0)) or m.group(0), s)  # "one sixth"
    s = re.sub(r"\b(\d+)\s+over\s+(\d+)\b", r"\1/\2", s)  # "4 over 9"
    s = _NUMBER_WORD_RUN_RE.sub(lambda m: _number_words(m.group(0)), s)
    s = _MAGNITUDE_WORD_RE.sub(lambda m: _magnitude(m.group(1), m.group(2)), s)  # "10 thousand"
    if re.search(r"\b(?:ratio|odds)\b", s, re.IGNORECASE):
        s = _RATIO_WORDS_RE.sub(r"\1:\2", s)  # "the ratio is 1 to 4"
    s = _DIGIT_GROUPS_RE.sub(lambda m: m.group(0).replace(" ", ""), s)
    spans = list(_MATH_SPAN_RE.finditer(s))
    if spans:  # the last math spans, with what joins them ("$x < 2$ or $x > 3$"); one alone is last_math's
        first = spans[-1]
        for span in reversed(spans[:-1]):
            if not _BOX_SEPARATOR_RE.fullmatch(s[span.end(): first.start()]):
                break
            first = span
        if first is spans[-1]:
            return _MATH_DELIMS_RE.sub("", first.group(0)).strip() or None if conditioned else None
        region = s[first.start(): spans[-1].end()]
        return _MATH_DELIMS_RE.sub("", region).strip() or None
    copulas = list(_STATEMENT_COPULA_RE.finditer(s))
    region = s[copulas[-1].end():] if copulas else s
    if re.search(r"[A-Za-z]: ", region) and _has_value(region.rsplit(": ", 1)[1]):
        region = region.rsplit(": ", 1)[1]  # "all positive reals: x > 0" (not a ratio 1:4, not a time 21:00)
    condition = _STATEMENT_CONDITION_RE.search(region)
    if condition and _has_value(region[:condition.start()]):
        region = region[:condition.start()]  # "46 valid codes once we exclude the two palindromes"
    words = _ANSWER_WORDS_RE.match(region.strip())
    if words and re.fullmatch(r"(?:\s+[a-z]+){0,3}", region.strip()[words.end():]):
        return words.group(0).lower()  # "It must be even", "The statement is true", "infinitely many such primes"
    if copulas and re.fullmatch(r"[A-Z][a-z]+", region.strip()):
        return region.strip()  # a name: "so the day is Thursday"
    numbers = _NUMBER_RE.findall(region)
    if len(numbers) == 1 and not re.search(r"[=^_\\+*<>]|\d[a-zA-Z]\b", region):
        return numbers[0].rstrip(",")  # "she can make 12 different outfits", "they meet at 9 p.m."
    value = _LEADING_WORDS_RE.sub("", _TRAILING_WORDS_RE.sub("", region.strip()))  # "travels at 3 \times 10^8 m/s"
    for candidate in (region.strip(), value):
        if candidate and not _VALUE_WORDS_RE.search(re.sub(r"\\[a-zA-Z]+(?:\{[a-zA-Z]*matrix\})?", "", normalize_answer(candidate))) \
                and (_has_value(candidate) or _ALGEBRA_RE.search(candidate)):
            return candidate  # "x = 2, y = -1", "2 3/4 feet long", "4\pi", "(a - b)(a + b)"
    if not numbers and re.fullmatch(r"(?:yes|no|true|false)\b.*", region, re.IGNORECASE):
        return region.split()[0].rstrip(",.;:")
    return None


def _magnitude(number: str, word: str) -> str:
    value = Fraction(number) * {"thousand": 10**3, "million": 10**6, "billion": 10**9}[word.lower()]
    return str(value.numerator) if value.denominator == 1 else number + " " + word


def _number_words(words: str) -> str:
    trailing = words[len(words.rstrip()):]
    if words.strip().lower() == "one" or re.fullmatch(r"(?:hundred|thousand|million)\s*", words, re.IGNORECASE):
        return words  # "the first one": a pronoun as often as a number; "10 thousand" is read below
    value = number_from_words(words.strip().rstrip("-"))
    return f"{value}{trailing}" if value is not None else words


def _last_math(text: str) -> tuple[int, str | None]:
    matches = [m for m in _MATH_SPAN_RE.finditer(text) if _span_text(m) and _span_text(m) not in _QED]  # not an end-of-proof
    return (matches[-1].end(), _span_text(matches[-1])) if matches else (-1, None)


def _bare(text: str) -> tuple[int, str | None]:
    text = text.strip()
    if "\n" in text or len(text) > BARE_MAX_CHARS or _PROSE_RE.search(re.sub(r"\\[a-z]+\{[^{}]*\}", "", text)) \
            or _CJK_RE.search(text):  # a sentence in Chinese or Japanese is prose too
        return -1, None
    return len(text), _strip_math_delims(text) or None


def _last_number(text: str) -> tuple[int, str | None]:
    matches = list(_NUMBER_RE.finditer(text))
    return (matches[-1].end(), matches[-1].group(0).rstrip(",").replace("−", "-")) if matches else (-1, None)


def _strip_math_delims(s: str) -> str:
    s = re.sub(r"\*\*|__|`", "", s).strip().lstrip(":：").strip().rstrip(".").strip()  # markdown bold and code
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if s.startswith(left) and s.endswith(right) and len(s) > len(left) + len(right) - 1:
            return s[len(left): len(s) - len(right)].strip()
    return s


_EXPLICIT_RULES = ("boxed", "answer_tag", "answer_line", "final_answer")
_FINDERS = {"boxed": _finder_boxed, "answer_tag": _answer_tag, "answer_line": _answer_line, "final_answer": _final_answer,
            "answer_is": _answer_is, "answer_should": _answer_should,
            "last_statement": _last_statement, "last_math": _last_math, "bare": _bare, "last_number": _last_number}


# an option as a problem or a completion lists it: "(D) 9", "(c) 7", "B: 3/4", "E) 15"
_OPTION_RE = re.compile(r"(?:^|(?<=[\s(,;]))\(?([A-Ea-e])[).:]\s*\$?([^\s,;$]+?)\$?(?=[\s,;.]*(?:\(?[A-Ea-e][).:]|$|\n|,|;))",
                        re.MULTILINE)


def choice_of_value(text: str, answer: str) -> str | None:
    """The letter of the one option the completion lists with the answer's value ("(D) 9" ... "the answer is 9"),
    or None. Where a gold is a letter and the completion answers with the option's value."""
    letter = choice_letter(answer.upper()) if re.fullmatch(r"\(?[a-e]\)?", answer.strip()) else None
    if letter:
        return letter  # "(e)": choice E
    target = normalize_answer(answer)
    letters = {m.group(1).upper() for m in _OPTION_RE.finditer(text) if normalize_answer(m.group(2)) == target}
    return letters.pop() if len(letters) == 1 else None


# Terms with two names in common use; a phrase answer is compared under one of them.
_SYNONYMS = ((r"one-to-one and onto|one-to-one correspondence", "bijective"), (r"one-to-one", "injective"),
             (r"\bonto\b", "surjective"), (r"the null hypothesis|\bh_?\{?0\}?(?![\w])", "hnull"), (r"\bbut\b", ""), (r"\bdne\b", "does not exist"))
_NEGATION_RE = re.compile(r"\b(?:not|no|never|neither|nor|none|cannot|fail\w*|unable|without|isn't|aren't|doesn't|don't|or|but)\b|n't\b")


def _phrase(text: str) -> str:
    plain = re.sub(r"\\(?:text\w*|mathrm|mbox|operatorname)\{([^{}]*)\}", r" \1 ", text)
    plain = re.sub(r"[$\\]", " ", plain).lower()
    for pattern, name in _SYNONYMS:
        plain = re.sub(pattern, name, plain)
    return " ".join(re.findall(r"[a-z0-9][a-z0-9'-]*", plain))


def closing_line(text: str) -> str:
    """The last line of a completion's own turn, as a reader takes its closing statement."""
    lines = [line for line in model_turn(text).strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


_NO_STATEMENT_RE = re.compile(r"\bno such\b|\bthere (?:is|are|exists?) no\b|\b(?:is|are) (?:not possible|impossible)\b|"
                              r"\bcannot (?:exist|be done|happen)\b|\bcan't (?:exist|be done|happen)\b|\b(?:does|do) not exist\b|"
                              r"\b(?:doesn't|don't) exist\b|^(?:so,? |thus,? |therefore,? |hence,? )?no\b", re.IGNORECASE)


def says_no(line: str) -> bool:
    """'Therefore, no such integer exists.', 'it is not possible.', 'so no, such a triangle cannot exist.': a closing
    line that answers a yes/no question with no (and says yes nowhere)."""
    return bool(_NO_STATEMENT_RE.search(line.strip())) and not re.search(r"\byes\b", line, re.IGNORECASE)


def phrase_answers(answer: str, gold: str) -> bool:
    """A gold of a few words, said inside a short answer: "\\text{an isosceles triangle}" for "isosceles", "Yes, they are
    linearly independent" for "linearly independent", "the second player (Bob)" for "Bob", "We reject the null
    hypothesis" for "Reject $H_0$". Not where the answer negates or offers an alternative ("not", "or", "but") that
    the gold does not, nor a name inside a longer statement ("Alice beats Bob")."""
    wanted = _gold_phrases(gold)
    return bool(wanted) and any(_phrase_in(phrase, _phrase(answer), form, answer) for form, phrase in wanted)


def is_phrase_gold(gold: str) -> bool:
    """A gold of a few words ("isosceles", "Reject $H_0$"), which a phrase in a completion may answer."""
    return bool(_gold_phrases(gold))


@lru_cache(maxsize=1 << 14)
def _gold_phrases(gold: str) -> tuple[tuple[str, str], ...]:
    """The gold's forms that are phrases of a few words (none for a gold in mathematics: most are, and are skipped)."""
    forms = dict.fromkeys((gold, extract_gold(gold)))
    return tuple((form, phrase) for form in forms for phrase in [_phrase(form)]
                 if phrase and not re.search(r"\d", phrase) and len(phrase.split()) <= 6
                 and all(len(word) >= 2 for word in phrase.split()))


def _phrase_in(wanted: str, said: str, gold: str, answer: str) -> bool:
    if len(said.split()) > 12:  # (a gold phrase has no digits and no one-letter words: "-i" is no phrase "i")
        return False
    if not re.search(rf"(?<![\w-]){re.escape(wanted)}(?![\w-])", said):
        return False
    if {m.group(0) for m in _NEGATION_RE.finditer(said)} - {m.group(0) for m in _NEGATION_RE.finditer(wanted)}:
        return False
    if len(wanted.split()) == 1 and re.search(r"[A-Z]", gold):  # a name: alone, in parentheses, or what a line ends on
        return bool(re.search(rf"^(?:the )?{re.escape(wanted)}$|\b(?:is|are|was|be) (?:a |an |the )?{re.escape(wanted)}$", said)
                    or re.search(rf"\(\s*{re.escape(wanted)}\s*\)", answer, re.IGNORECASE))
    return len(wanted.split()) > 1 or len(said.split()) <= 4

