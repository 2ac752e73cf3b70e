"""The one settings-diff that resume, merge, compare and the trainers' resume call."""

from passk.settings import describe_diff, settings_diff


def test_the_same_values_in_other_spellings_do_not_differ():
    saved = {"temperature": 1.0, "stop": ["</s>"], "engine": {"b": 2, "a": 1.0}}
    asked = {"temperature": 1, "stop": ("</s>",), "engine": {"a": 1, "b": 2.0}}  # TOML int, tuple, key order
    assert settings_diff({"run has": saved, "asked": asked}, saved) == {}


def test_differing_and_absent_keys_are_listed_with_their_values():
    diff = settings_diff({"run has": {"temperature": 0.6, "n": 4}, "asked": {"temperature": 1.0}},
                         ["temperature", "n"])
    assert diff == {"temperature": {"run has": 0.6, "asked": 1.0}, "n": {"run has": 4, "asked": None}}
    assert describe_diff(diff).splitlines() == ["  temperature: run has 0.6, asked 1.0", "  n: run has 4, asked null"]
