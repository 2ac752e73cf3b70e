"""PassAtKCallback through the TRL example on the tiny addsub model: passk run directories, scored, and logged."""

import json

import pytest

pytest.importorskip("trl")
pytestmark = pytest.mark.slow


def test_example_validates_with_passk_run_directories_and_logs_pass_at_k(tmp_path, capsys):
    from passk.cli import main as passk
    from trainers.integrations import trl_example

    model = trl_example.tiny_model(tmp_path / "tiny", warm_start_steps=150)
    out = tmp_path / "out"
    args = trl_example.parse_args(["--tiny", str(model), "--out", str(out), "--steps", "2", "--batch-size", "8",
                                   "--group-size", "4", "--lr", "1e-4", "--val-every", "1", "--val-problems", "4",
                                   "--val-k", "1,2,4"])
    trainer = trl_example.train(args)

    logged = {h["step"]: h for h in trainer.state.log_history if any(k.startswith("val-passk/") for k in h)}
    assert sorted(logged) == [1, 2]
    keys = [f"val-passk/{trl_example.VAL_BENCHMARK}/pass@{k}" for k in (1, 2, 4)]
    for step, entry in logged.items():
        assert all(0 <= entry[key] <= 1 for key in keys), entry
        assert entry[keys[0]] <= entry[keys[1]] <= entry[keys[2]]
        assert not any(k.startswith("rewards/") for k in entry)  # its own entry: the step's training metrics stay there
        run = out / "passk" / f"step-{step:06d}"
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["settings"]["n"] == 4 and manifest["settings"]["sampling"]["temperature"] == 0.6
        assert manifest["grading"]["extract_fallbacks"] == ["bare"]  # the plain template's, as `passk run` records it
        assert len((run / "problems.jsonl").read_text().splitlines()) == 4

        # passk's own command scores the directory, and agrees with what was logged
        (run / "scores.json").unlink()
        capsys.readouterr()
        assert passk(["score", str(run)]) == 0
        assert "pass@" in capsys.readouterr().out
        scores = json.loads((run / "scores.json").read_text())
        pass_at = scores["benchmarks"][trl_example.VAL_BENCHMARK]["pass_at_k"]
        assert [pass_at[str(k)] for k in (1, 2, 4)] == pytest.approx([entry[key] for key in keys])
    # training metrics were logged at both steps as before
    assert sum("rewards/passk_grader/mean" in h for h in trainer.state.log_history) == 2
