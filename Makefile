.PHONY: test reproduce demo bench

test:
	python -m pytest -q

# The entropy-vs-baseline experiment (issue: compare baseline and entropy runs): results/entropy-vs-baseline/
reproduce:
	python experiments/entropy_vs_baseline/reproduce.py

# The README's main job: the embedded default on 12 level-1 MATH-500 problems
demo:
	passk run --benchmark math500_level1 --limit 12 --data-dir ../shared/benchmarks --out runs/demo

bench:
	python bench/bench_grading.py
	python bench/bench_generation.py
	python bench/bench_entropy_memory.py
