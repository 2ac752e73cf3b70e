.PHONY: test test-fast lint reproduce step-size demo bench

# everything CI runs after install.sh: lint, passk's suite, the verl integration in .venv-verl
test:
	./test.sh

# no model loads: grading, metrics, run directories, CLI errors (a few minutes on 2 cores)
test-fast:
	python -m pytest -q -m "not slow"

lint:
	ruff check passk trainers tests bench experiments
	mypy passk

# The entropy-vs-baseline experiment: results/entropy-vs-baseline/ (one thread per process: on a busy
# 2-core machine torch's spinning threads made it several times slower)
reproduce:
	OMP_NUM_THREADS=1 python experiments/entropy_vs_baseline/reproduce.py

# The measurements behind its step size: results/entropy-vs-baseline/step-size.json
step-size:
	OMP_NUM_THREADS=1 python experiments/entropy_vs_baseline/choose_step_size.py

# The README's main job: the embedded default on 12 level-1 MATH-500 problems
demo:
	passk run --benchmark math500_level1 --limit 12 --data-dir ../shared/benchmarks --out runs/demo

bench:
	python bench/bench_grading.py
	python bench/bench_generation.py
	python bench/bench_entropy_memory.py
