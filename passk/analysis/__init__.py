"""Token-level analysis shared by `passk entropy` and the trainers' metrics."""
