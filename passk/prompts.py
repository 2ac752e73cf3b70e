"""Prompt templates: how a problem becomes the text a model sees.

qwen-boxed  the chat template, the problem, then the Qwen-Math instruction to box the answer
dapo        the chat template around the DAPO template (answer on a last line "Answer: ...")
raw         the problem and the boxing instruction as plain text, no chat template
plain       the problem text alone (base models, synthetic training tasks)
FILE        a text file with a {problem} placeholder, sent through the chat template

The rendered text of every prompt is what the backends receive, and the template text
goes into the run manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from passk.errors import ConfigError

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
DAPO_TEMPLATE = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\n{problem}\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)


@dataclass(frozen=True)
class Template:
    name: str
    text: str  # with a {problem} placeholder
    chat: bool  # wrap in the tokenizer's chat template as one user turn
    # the answer form it asks for (passk.grade.extract.ANSWER_FORMS), tried first when grading, and any
    # extraction rules tried after it: "bare" where the completion is the answer
    answer_form: str = "boxed"
    extract_fallbacks: tuple[str, ...] = ()

    def render(self, problem: str, tokenizer=None) -> str:
        content = self.text.replace("{problem}", problem)
        if not self.chat:
            return content
        if tokenizer is None or not getattr(tokenizer, "chat_template", None):
            raise ConfigError(f"template {self.name!r} needs a chat template and the model's tokenizer has none; "
                              f"use --template raw")
        return tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                             add_generation_prompt=True)


BUILTIN = {
    "qwen-boxed": Template("qwen-boxed", "{problem}\n" + BOXED_INSTRUCTION, chat=True),
    "dapo": Template("dapo", DAPO_TEMPLATE, chat=True, answer_form="answer_line"),
    "raw": Template("raw", "{problem}\n" + BOXED_INSTRUCTION + "\n", chat=False),
    "plain": Template("plain", "{problem}", chat=False, extract_fallbacks=("bare",)),
}


def get_template(name_or_path: str) -> Template:
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(f"unknown template {name_or_path!r}: not one of {sorted(BUILTIN)} and not a file")
    text = path.read_text()
    if "{problem}" not in text:
        raise ConfigError(f"{path}: a template file needs a {{problem}} placeholder")
    return Template(str(path), text, chat=True)
