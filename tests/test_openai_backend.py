"""The openai backend against a real vLLM OpenAI server of the embedded default, started here on loopback."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pyarrow.parquet as pq
import pytest

from passk.cli import main
from passk.rundir import SAMPLE_SCHEMA, RunDir, read_grades, write_part

pytest.importorskip("vllm")
pytest.importorskip("openai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m vllm.entrypoints.openai.api_server` (what `vllm serve` runs) on 127.0.0.1; yields (url, model)."""
    from passk.generate.default_model import ensure_default_model

    model = str(ensure_default_model())
    port = free_port()
    log = open(tmp_path_factory.mktemp("server") / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model,
                             "--host", "127.0.0.1", "--port", str(port), "--enforce-eager",
                             "--gpu-memory-utilization", "0.3", "--max-model-len", "2048"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 420
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/v1/models", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the vLLM server did not start:\n{log.read()[-3000:]}")
                time.sleep(1)
        yield f"{url}/v1", model
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_args(server, problems, out, *extra):
    url, model = server
    return ["run", "--data", str(problems), "--problem-field", "question", "--id-field", "id", "--model", model,
            "--backend", "openai", "--base-url", url, "--out", str(out), "--n", "4", "--max-tokens", "12",
            "--temperature", "1.0", "--block-size", "4", "--generate-only", "--quiet", *extra]


def rows_of(out):
    return sorted((r["problem_id"], r["sample_idx"], r["seed"], r["num_tokens"], r["completion"])
                  for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist())


@pytest.mark.slow
def test_openai_backend_fills_the_run_with_n_and_seed_per_request(server, tiny_problems, tmp_path):
    out = tmp_path / "run"
    assert main(run_args(server, tiny_problems, out, "--stop", "\n\n", "--top-k", "50",
                         "--sampling-options", '{"min_tokens": 2}')) == 0
    rows = rows_of(out)
    assert len(rows) == 20 and len({r[:2] for r in rows}) == 20  # exactly n per problem, none twice
    assert all(2 <= r[3] <= 12 for r in rows) and all("\n\n" not in r[4] for r in rows)
    by_problem = {}
    for pid, idx, seed, _, _ in rows:
        by_problem.setdefault(pid, {})[idx] = seed
    assert all(s[j] == s[0] + j for s in by_problem.values() for j in range(4))  # sample j: seed + j
    manifest = json.loads((out / "manifest.json").read_text())
    engine = manifest["engine"]["s0of1"]
    assert engine["vllm_server_version"] and engine["samples_per_request"] == "n"
    assert engine["served_model"]["id"] == server[1]
    sampling = manifest["settings"]["sampling"]
    assert sampling["stop"] == ["\n\n"] and sampling["top_k"] == 50 and sampling["options"] == {"min_tokens": 2}
    assert manifest["throughput"]["s0of1"]["samples"] == 20
    assert main(run_args(server, tiny_problems, out, "--stop", "\n\n", "--top-k", "50",
                         "--sampling-options", '{"min_tokens": 2}')) == 0
    assert rows_of(out) == rows  # nothing missing: nothing asked


@pytest.mark.slow
def test_lost_samples_are_asked_again_with_their_own_seeds_one_per_request(server, tiny_problems, tmp_path):
    out = tmp_path / "run"
    # one sample per request (any OpenAI server)
    assert main(run_args(server, tiny_problems, out, "--n-mode", "split")) == 0
    before = rows_of(out)
    assert len(before) == 20
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["s0of1"]["samples_per_request"] == "1"
    # lose non-consecutive samples, some inside one request: keep the others in one part
    kept = [r for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist()
            if (r["problem_id"], r["sample_idx"]) not in {("q0", 1), ("q0", 3), ("q2", 0), ("q4", 2)}]
    for part in RunDir(out).sample_parts():
        part.unlink()
    write_part(RunDir(out).samples_dir / "kept.parquet", kept, SAMPLE_SCHEMA)
    assert main(run_args(server, tiny_problems, out, "--n-mode", "split")) == 0
    after = rows_of(out)
    assert len(after) == 20 and {r[:3] for r in after} == {r[:3] for r in before}  # same samples, same seeds


@pytest.mark.slow
def test_misuse_is_one_line_before_anything_is_written(server, tiny_problems, tmp_path, capsys):
    url, model = server
    out = tmp_path / "run"
    assert main(run_args((url, "no-such-model"), tiny_problems, out)) == 2
    err = capsys.readouterr().err.strip()
    assert "no-such-model" in err and model in err and len(err.splitlines()) == 1
    closed = f"http://127.0.0.1:{free_port()}/v1"
    assert main(run_args((closed, model), tiny_problems, tmp_path / "closed")) == 2
    err = capsys.readouterr().err.strip()
    assert closed in err and len(err.splitlines()) == 1
    os.environ.pop("PASSK_TEST_NO_SUCH_KEY", None)
    assert main(run_args(server, tiny_problems, tmp_path / "key", "--api-key-env", "PASSK_TEST_NO_SUCH_KEY")) == 2
    assert "PASSK_TEST_NO_SUCH_KEY" in capsys.readouterr().err
    assert main(run_args(server, tiny_problems, tmp_path / "json", "--sampling-options", "{top_k: 3}")) == 2
    assert "--sampling-options" in capsys.readouterr().err
    for run in (out, tmp_path / "closed", tmp_path / "key"):
        assert not RunDir(run).sample_parts()


# the tiny model is a poor judge, and does not write a verdict line unasked: the server's structured outputs hold its
# reply to that form, so that the mechanism is what is tested, not the model's wisdom
VERDICT_FORM = {"structured_outputs": {"regex": "[A-Za-z ,.]{0,60}\nVERDICT: (EQUIVALENT|DIFFERENT)"}}


@pytest.mark.slow
def test_a_judge_on_the_server_reads_only_unsure_rows_and_each_once(server, make_run, tmp_path, monkeypatch, capsys):
    from passk.judge import JudgeClient

    url, model = server
    asked, ask_one = [], JudgeClient._ask_one
    monkeypatch.setattr(JudgeClient, "_ask_one", lambda self, prompt: asked.append(prompt) or ask_one(self, prompt))
    prose = "Bob can always force a draw"  # prose no rule reduces to a word ("Bob wins" is Bob)
    run = make_run({"prose": (prose, [r"\boxed{\text{Bob}}", "So Bob wins. Answer: Bob has a winning strategy.",
                                      r"\boxed{\text{Bob can always force a draw}}", r"\boxed{\text{Bob}}"]),
                    "number": ("7", [r"\boxed{7}", r"\boxed{8}", r"\boxed{7} or maybe \boxed{8}", r"\boxed{7}"])})
    assert main(["grade", str(run.path), "--quiet"]) == 0  # the rules alone, for compare
    shutil.copytree(run.path, tmp_path / "rules")
    args = ["grade", str(run.path), "--quiet", "--regrade", "--cache", str(tmp_path / "cache.sqlite"), "--judge",
            model, "--judge-url", url, "--judge-options", json.dumps(VERDICT_FORM)]
    assert main(args) == 0
    # unsure: a prose gold answered "Bob" (twice: asked once) and a prose answer; not the correct one, a clear
    # numeric mismatch or a hedge
    assert len(asked) == 2 and all(f"Reference answer: {prose}" in p for p in asked)
    grades = {(g["problem_id"], g["sample_idx"]): g for g in read_grades(run)}
    assert {key for key, g in grades.items() if g["method"] == "judge"} == {("prose", 0), ("prose", 1), ("prose", 3)}
    assert all(g["judge_model"] == model and g["judge_revision"].startswith("served:") for g in grades.values())
    assert grades[("prose", 0)]["detail"].startswith(f"judge {model} (served:")
    assert main(args) == 0  # every part graded again: the judge's verdicts come from the cache
    assert len(asked) == 2 and {(g["problem_id"], g["sample_idx"]): g for g in read_grades(run)} == grades
    assert main(["score", str(run.path)]) == 0
    assert "note: judge: 3 of 8 samples' verdicts came from a judge model" in capsys.readouterr().out
    assert json.loads(run.scores_json.read_text())["benchmarks"]["toy"]["judged_samples"] == 3
    assert main(["compare", str(tmp_path / "rules"), str(run.path), "--labels", "rules,judged", "--out",
                 str(tmp_path / "cmp")]) == 0
    assert "toy, judged: judge: 3 of 8 samples' verdicts" in capsys.readouterr().err
    runs = json.loads((tmp_path / "cmp" / "compare.json").read_text())["benchmarks"]["toy"]["runs"]
    assert {label: r["judged_samples"] for label, r in runs.items()} == {"rules": 0, "judged": 3}


class FlakyServer:
    """An OpenAI-shaped completions server on loopback that is not vLLM: no /version, one sample per request,
    a 503 on its first completion call; it records the requests and how many were in flight at once."""

    def __init__(self, model: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.model, self.bodies, self.in_flight, self.max_in_flight = model, [], 0, 0
        lock, outer = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/v1/models":
                    self.answer(200, {"object": "list", "data": [{"id": outer.model, "object": "model"}]})
                else:
                    self.answer(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with lock:
                    outer.bodies.append(body)
                    first = len(outer.bodies) == 1
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                time.sleep(0.02)
                with lock:
                    outer.in_flight -= 1
                if first:
                    return self.answer(503, {"error": {"message": "warming up"}})
                self.answer(200, {"id": "x", "object": "text_completion", "created": 0, "model": outer.model,
                                  "choices": [{"index": 0, "text": f" seed {body['seed']}", "finish_reason": "stop"}],
                                  "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_other_servers_get_one_sample_per_request_with_retries_and_bounded_concurrency(tiny_problems, tmp_path):
    server = FlakyServer("served-model")
    try:
        out = tmp_path / "run"
        assert main(run_args((server.url, "served-model"), tiny_problems, out, "--template", "raw",
                             "--concurrency", "3", "--top-k", "7")) == 0
    finally:
        server.httpd.shutdown()
    rows = rows_of(out)
    assert len(rows) == 20 and len({r[:2] for r in rows}) == 20
    assert all(r[4] == f" seed {r[2]}" and r[3] == 3 for r in rows)  # each sample from its own request and seed
    assert len(server.bodies) == 21 and all(b["n"] == 1 for b in server.bodies)  # one retry after the 503
    assert all(b["top_k"] == 7 and b["max_tokens"] == 12 for b in server.bodies)
    assert 1 < server.max_in_flight <= 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["model_fingerprint"] == "served:served-model"
    assert manifest["engine"]["s0of1"]["samples_per_request"] == "1"


def test_a_judge_nobody_serves_stops_a_run_before_any_sample(tiny_problems, tmp_path, capsys):
    server = FlakyServer("served-model")
    out = tmp_path / "run"
    try:
        args = [a for a in run_args((server.url, "served-model"), tiny_problems, out) if a != "--generate-only"]
        assert main([*args, "--template", "raw", "--judge", "nope", "--judge-url", server.url]) == 2
    finally:
        server.httpd.shutdown()
    err = capsys.readouterr().err.strip()
    assert "--judge 'nope' is not served" in err and "served-model" in err and len(err.splitlines()) == 1
    assert server.bodies == [] and not RunDir(out).sample_parts()
