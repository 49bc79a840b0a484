"""Exact solvers behind `core/ports/assignment_solver.py` (ADR 0019)."""
