"""Token-level analysis shared by `passk entropy` and the trainers' metrics.

  entropy.py         token_entropy: the chunked float32 kernel (also the trainers' entropy)
  run_entropies.py   `passk entropy`, first half: a run's per-token entropies, computed and stored in RUN_DIR/entropy
  entropy_report.py  `passk entropy`, second half: the comparisons, entropy.json, entropy.png and entropy.html
  patterns.py        reflective and pivotal word patterns (also the trainers' reflection counts)
"""
