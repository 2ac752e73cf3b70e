"""Prompt templates: how a problem becomes the text a model sees.

Built-in templates are data, one TOML file each in passk/templates/ (`passk list` shows
them); a template copied from another project names the file and commit it copies, and
tests/test_prompts.py checks it renders byte for byte what that project's code renders.
A text file with a {problem} placeholder is a template too.

A template is either a chat template (its text is the user turn, wrapped by the
tokenizer's chat template, after an optional system turn) or plain text sent as is.
Options change any template: a system prompt, chat on or off, and few-shot examples
(k shots from a JSONL file, in file order). Shots are earlier user/assistant turns in
chat mode; in plain mode each shot is rendered through the template, answer appended,
and shots are joined by the template's splitter ("inside" templates put every shot in
the one problem slot, as Qwen2.5-Math's qwen25-math-cot does).

The rendered prompts go to the backends and into problems.jsonl; `Template.record()`
goes into the run manifest, so a resume with other prompt options is refused.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import from_dict
from passk.errors import ConfigError, InputError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
FEWSHOT_STYLES = ("repeat", "inside")


@dataclass(frozen=True)
class TemplateSpec:
    """One file of passk/templates/: what the file may say."""
    text: str
    chat: bool
    description: str = ""
    source: str = ""
    strip: bool = False  # strip the problem, and spaces around the prompt (as the peers' construct_prompt does)
    fewshot_style: str = "repeat"
    splitter: str = "\n\n"
    answer_form: str = "boxed"  # what the prompt asks for: passk.grade.extract.ANSWER_FORMS
    extract_fallbacks: tuple[str, ...] = ()

    def __post_init__(self):
        if "{problem}" not in self.text:
            raise ConfigError("text needs a {problem} placeholder")
        if self.fewshot_style not in FEWSHOT_STYLES:
            raise ConfigError(f"fewshot_style {self.fewshot_style!r} is not one of {FEWSHOT_STYLES}")
        object.__setattr__(self, "extract_fallbacks", tuple(self.extract_fallbacks))


@dataclass(frozen=True)
class Template:
    name: str
    text: str  # with a {problem} placeholder
    chat: bool  # wrap in the tokenizer's chat template as one user turn
    # the answer form it asks for (passk.grade.extract.ANSWER_FORMS), tried first when grading, and any
    # extraction rules tried after it: "bare" where the completion is the answer
    answer_form: str = "boxed"
    extract_fallbacks: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    strip: bool = False
    fewshot_style: str = "repeat"
    splitter: str = "\n\n"
    system: str | None = None  # a system turn (chat templates only)
    shots: tuple[tuple[str, str], ...] = ()  # (problem, solution) pairs, in order
    chat_default: bool | None = None  # the definition's own chat setting (None: the same as chat)

    def fill(self, problem: str) -> str:
        return self.text.replace("{problem}", problem.strip() if self.strip else problem)

    def render(self, problem: str, tokenizer=None) -> str:
        if self.chat:
            return self._render_chat(problem, tokenizer)
        if self.shots and self.fewshot_style == "inside":
            inner = self.splitter.join([q + "\n" + a for q, a in self.shots] + [problem.strip() if self.strip else problem])
            prompt = self.text.replace("{problem}", inner)
        else:
            shots = [self.text.replace("{problem}", q) + a for q, a in self.shots]  # shots as written
            prompt = self.splitter.join(shots + [self.fill(problem)])
        return prompt.strip(" ") if self.strip else prompt

    def _render_chat(self, problem: str, tokenizer) -> str:
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise ConfigError(f"template {self.name!r} needs a chat template and the model's tokenizer has none; "
                              f"use --no-chat (or --template raw)")
        messages = [{"role": "system", "content": self.system}] if self.system is not None else []
        for q, a in self.shots:
            messages += [{"role": "user", "content": self.fill(q)}, {"role": "assistant", "content": a}]
        messages.append({"role": "user", "content": self.fill(problem)})
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def record(self) -> str:
        """What the manifest keeps as the template: its text, plus every option that changes the prompts.
        A template used as defined records its text alone (so runs made before the options resume)."""
        options: dict[str, Any] = {}
        if self.system is not None:
            options["system"] = self.system
        if self.chat_default is not None and self.chat != self.chat_default:
            options["chat"] = self.chat
        if self.shots:
            options["shots"] = [list(s) for s in self.shots]
            options["fewshot_style"] = self.fewshot_style
        return self.text if not options else json.dumps({"text": self.text, **options}, ensure_ascii=False)


def available_templates() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml"))


def describe_templates() -> dict[str, str]:
    return {name: get_template(name).description for name in available_templates()}


def get_template(name_or_path: str) -> Template:
    """A built-in template by name, or a text file with a {problem} placeholder (a chat template)."""
    builtin = TEMPLATES_DIR / f"{name_or_path}.toml"
    if builtin.is_file():
        spec = from_dict(TemplateSpec, tomllib.loads(builtin.read_text()), where=str(builtin))
        return Template(name_or_path, **dataclasses.asdict(spec), chat_default=spec.chat)
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(f"unknown template {name_or_path!r}: not one of {available_templates()} and not a file")
    text = path.read_text()
    if "{problem}" not in text:
        raise ConfigError(f"{path}: a template file needs a {{problem}} placeholder")
    return Template(str(path), text, chat=True, chat_default=True)


def build_template(name_or_path: str, system_prompt: str | None = None, chat: bool | None = None,
                   fewshot: str | None = None, fewshot_k: int | None = None) -> Template:
    """The template with the run's prompt options applied (--system-prompt, --chat/--no-chat, --fewshot)."""
    template = get_template(name_or_path)
    if chat is not None:
        template = dataclasses.replace(template, chat=chat)
    if system_prompt is not None:
        if not template.chat:
            raise ConfigError(f"--system-prompt: template {template.name!r} is plain text (no chat turns); "
                              f"add --chat, or write the system text into a template file")
        template = dataclasses.replace(template, system=read_text_or_file(system_prompt))
    if fewshot_k is not None and not fewshot:
        raise ConfigError("--fewshot-k needs --fewshot FILE")
    if fewshot:
        template = dataclasses.replace(template, shots=load_shots(fewshot, fewshot_k))
    return template


def read_text_or_file(value: str, flag: str = "--system-prompt") -> str:
    """`@PATH` reads the file (which must exist); anything else is the text itself, except text that names an
    existing file or looks like a file name (one word with a / or a .txt/.md ending): that is refused as
    ambiguous, since a typo in a path would otherwise become the system turn."""
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        if not path.is_file():
            raise ConfigError(f"{flag} {value}: no such file")
        return path.read_text(encoding="utf-8")
    one_word = len(value) < 4096 and not any(c.isspace() for c in value)
    if one_word and (Path(value).expanduser().exists() or "/" in value or value.endswith((".txt", ".md"))):
        raise ConfigError(f"{flag} {value!r} looks like a file name: write @{value} to read a file, "
                          f"or give the text itself")
    return value


def load_shots(path: str, k: int | None = None) -> tuple[tuple[str, str], ...]:
    """The first k rows (all without k) of a JSONL file of {"problem": ..., "solution": ...}, in file order."""
    from passk.jsonl import read_jsonl

    if not Path(path).is_file():
        raise InputError(f"--fewshot {path}: no such file")
    if k is not None and k < 1:
        raise ConfigError(f"--fewshot-k must be >= 1, got {k}")
    shots = []
    for lineno, row in read_jsonl(path):
        missing = [f for f in ("problem", "solution") if not isinstance(row.get(f), str)]
        if missing:
            raise InputError(f"{path}:{lineno}: few-shot row needs string field(s) {missing}")
        shots.append((row["problem"], row["solution"]))
        if k is not None and len(shots) == k:
            break
    if not shots or (k is not None and len(shots) < k):
        raise ConfigError(f"--fewshot {path}: asked for {k} shots, the file has {len(shots)}")
    return tuple(shots)
