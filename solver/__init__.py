"""The planning engine: a typed planning problem in, a typed plan out.

A pure library: no database, no HTTP. `solve(problem)` returns a `Plan`; `replan(problem, baseline)`
re-plans keeping as much of an accepted grouping as possible.
"""

from solver.plan import Plan
from solver.planning import replan, solve
from solver.problem import PlanningProblem

__all__ = ["Plan", "PlanningProblem", "replan", "solve"]
