"""A sandboxed evaluation worker: reads a task from /app/evaluations, writes results to /app/results."""
