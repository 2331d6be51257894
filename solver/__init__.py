"""The planning engine: a typed planning problem in, a typed plan out.

A pure library: no database, no HTTP. `solve(problem)` returns a `Plan`.
"""

from solver.plan import Plan
from solver.problem import PlanningProblem

__all__ = ["Plan", "PlanningProblem"]
