"""Run the model on HiGHS (through PuLP's highspy API) or on CBC, and report honestly.

PuLP says "Optimal" for a time-limited solve that found a feasible solution: the status here is read
from `prob.sol_status` (1 proven optimal within the requested relative gap, 2 feasible only), and the
best bound and gap from the solver itself (HiGHS: `mip_dual_bound`, `mip_gap`; CBC: its log).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

import highspy
import numpy as np
import pulp

Progress = Callable[[dict[str, Any]], None]
ABS_GAP = 1e-9
# How close a proof holds, whatever gap is asked: HiGHS prunes a node whose bound lies within its
# `mip_feasibility_tolerance` (1e-6) of the best plan and then reports the search complete, so a plan it
# calls optimal may sit that far above the bound it reports (CBC alike). On the normalised objective
# (about 1) a difference below it is the engines' rounding, not a gap.
PROOF_TOL = 1e-6
RANDOM_SEED = 0
# HiGHS: a primal solution status that holds a feasible plan (kSolutionStatusFeasible)
FEASIBLE = 2


@dataclass(frozen=True)
class EngineResult:
    status: str  # optimal | feasible | infeasible | timeout | error
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    name: str
    nodes: int = 0  # branch-and-bound nodes explored (HiGHS), the deterministic mode's measure of work

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


class FastHiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's HiGHS API, handing the model to highspy in one batch and passing a starting solution.

    PuLP's own HiGHS API adds columns and rows one call at a time; for a large model that costs more
    than the solve. The result is read back by PuLP's own code, unchanged.
    """

    def __init__(
        self,
        start: dict[str, float] | None = None,
        node_limit: int | None = None,
        presolve: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start = start or {}
        self.node_limit = node_limit
        self.presolve = presolve
        self.started = time.monotonic()

    def actualSolve(self, lp: pulp.LpProblem) -> int:
        self.started = time.monotonic()
        return int(super().actualSolve(lp))

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:
        # HiGHS prints its banner on stdout when the first instance is made, whatever the options say;
        # library callers (the API workers, `planner demo`, `planner solve`) own stdout
        with _stdout_silenced():
            highspy.Highs()  # type: ignore[no-untyped-call]
        super().createAndConfigureSolver(lp)
        lp.solverModel.setOptionValue("log_to_console", False)
        if not self.presolve:
            lp.solverModel.setOptionValue("presolve", "off")
        if self.node_limit is not None:
            # deterministic mode: a work limit, and the engine's random choices from a fixed seed
            lp.solverModel.setOptionValue("mip_max_nodes", int(self.node_limit))
            lp.solverModel.setOptionValue("random_seed", RANDOM_SEED)

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        h = lp.solverModel
        stopped = (highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kInterrupt)
        if h.getModelStatus() not in stopped:
            return cast(tuple[int, int], super().findSolutionValues(lp))
        # the node limit of deterministic mode, which PuLP's table of statuses lacks (it raised), and a
        # stop asked by the callback (`stop_at`), which PuLP reads as a plan found even when there is
        # none: a plan found before it is read as one found before a time limit, none as no plan
        values = list(h.getSolution().col_value)
        for var in lp.variables():
            var.varValue = values[var.index]
        found = int(h.getInfo().primal_solution_status) == FEASIBLE and math.isfinite(h.getObjectiveValue())
        if not found:
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound
        return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible

    def callSolver(self, lp: pulp.LpProblem) -> None:
        # the time limit covers handing the model over, not only HiGHS's own clock
        if self.timeLimit is not None:
            left = max(0.5, float(self.timeLimit) - (time.monotonic() - self.started))
            lp.solverModel.setOptionValue("time_limit", left)
        lp.solverModel.run()

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        inf = highspy.kHighsInf
        variables = lp.variables()
        n = len(variables)
        cost = np.zeros(n)
        lower = np.empty(n)
        upper = np.empty(n)
        integer: list[int] = []
        for i, var in enumerate(variables):
            var.index = i
            lower[i] = -inf if var.lowBound is None else var.lowBound
            upper[i] = inf if var.upBound is None else var.upBound
            if var.cat == pulp.LpInteger and self.mip:
                integer.append(i)
        for var, coef in lp.objective.items():
            cost[var.index] = coef
        h = lp.solverModel
        h.addCols(
            n, cost, lower, upper, 0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([])
        )
        if integer:
            idx = np.array(integer, dtype=np.int32)
            h.changeColsIntegrality(len(idx), idx, np.full(len(idx), highspy.HighsVarType.kInteger))
        starts: list[int] = []
        index: list[int] = []
        values: list[float] = []
        row_lo: list[float] = []
        row_hi: list[float] = []
        for i, constraint in enumerate(lp._constraints.values()):
            constraint.index = i
            starts.append(len(index))
            for var, coef in constraint.items():
                if coef != 0:
                    index.append(var.index)
                    values.append(coef)
            lo, hi = constraint.getLb(), constraint.getUb()
            row_lo.append(-inf if lo is None else lo)
            row_hi.append(inf if hi is None else hi)
        h.addRows(
            len(starts),
            np.array(row_lo),
            np.array(row_hi),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(values),
        )
        if self.start:
            sol = highspy.HighsSolution()
            sol.col_value = [self.start.get(v.name, 0.0) for v in variables]
            sol.value_valid = True
            h.setSolution(sol)


class Relaxation:
    """The linear relaxation of `prob` held by HiGHS: solved once, then solved again from its last basis
    after a column's bounds change (a few iterations instead of a solve from scratch)."""

    def __init__(self, prob: pulp.LpProblem, threads: int | None) -> None:
        solver = FastHiGHS(mip=False, msg=False, threads=threads, presolve=False)
        solver.createAndConfigureSolver(prob)
        solver.buildSolverModel(prob)
        self.highs = prob.solverModel
        self.offset = float(prob.objective.constant)

    def solve(self, time_limit: float) -> float | None:
        """The relaxation's optimum (inf when infeasible), or None when not solved within the limit."""
        h = self.highs
        # HiGHS's clock runs over all the runs of one instance
        h.setOptionValue("time_limit", h.getRunTime() + max(0.0, time_limit))
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return math.inf
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        return float(h.getInfo().objective_function_value) + self.offset

    def value(self, var: pulp.LpVariable) -> float:
        return float(self.highs.getSolution().col_value[var.index])

    def bound(self, var: pulp.LpVariable, low: float, high: float) -> None:
        self.highs.changeColBounds(var.index, low, high)


def highs_name() -> str:
    """The engine's name and version, as plans report it."""
    with _stdout_silenced():
        return f"HiGHS {highspy.Highs().version()}"  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded interpreter): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs_callback(
    progress: Progress | None,
    offset: float,
    stage: str,
    incumbents: list[list[float]] | None,
    stop_at: float | None = None,
) -> tuple[Callable[..., None], None]:
    last = [0.0]

    def callback(kind: Any, message: str, out: Any, data_in: Any, user: Any) -> None:
        now = time.monotonic()
        if (
            stop_at is not None
            and kind == highspy.cb.HighsCallbackType.kCallbackMipInterrupt
            and float(out.mip_dual_bound) + offset >= stop_at
        ):
            data_in.user_interrupt = True
        improving = kind == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
        if improving and incumbents is not None:
            incumbents.append([float(v) for v in out.mip_solution])
        if progress is None or (not improving and now - last[0] < 1.0):
            return
        last[0] = now
        primal = float(out.mip_primal_bound)
        progress(
            {
                "stage": stage,
                "elapsed": float(out.running_time),
                "objective": primal + offset if math.isfinite(primal) else None,
                "bound": _finite(float(out.mip_dual_bound), offset),
                "gap": float(out.mip_gap) if math.isfinite(out.mip_gap) else None,
            }
        )

    return callback, None


def solve(
    prob: pulp.LpProblem,
    *,
    engine: str,
    time_limit: float,
    gap_rel: float,
    threads: int | None,
    start: dict[str, float] | None = None,
    progress: Progress | None = None,
    stage: str = "solve",
    incumbents: list[list[float]] | None = None,
    node_limit: int | None = None,
    presolve: bool = True,
    stop_at: float | None = None,
) -> EngineResult:
    """Solve `prob`; with `incumbents` (HiGHS only), each improving plan's column values are appended
    to it, in the order of `prob.variables()`. `node_limit` (deterministic mode) stops the search after
    that many branch-and-bound nodes, whatever the clock says; `time_limit` still holds.
    `presolve=False` (HiGHS only) skips HiGHS's presolve and its restarts: on a small model started
    from a good plan the restarts cost more than they save (measured: BENCHMARKS.md). `stop_at` (HiGHS
    only) stops the search, like a time limit, once its proven bound reaches that value."""
    began = time.monotonic()
    offset = float(prob.objective.constant)
    if engine == "cbc":
        return _solve_cbc(prob, time_limit, gap_rel, threads, start, began, offset, node_limit)
    options: dict[str, Any] = {}
    if progress is not None or incumbents is not None or stop_at is not None:
        options["callbackTuple"] = _highs_callback(progress, offset, stage, incumbents, stop_at)
        options["callbacksToActivate"] = [
            highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution,
            highspy.cb.HighsCallbackType.kCallbackMipInterrupt,
        ]
    solver = FastHiGHS(
        start=start,
        node_limit=node_limit,
        presolve=presolve,
        msg=False,
        timeLimit=time_limit,
        gapRel=gap_rel,
        gapAbs=ABS_GAP,
        threads=threads,
        **options,
    )
    try:
        prob.solve(solver)
    except Exception as error:  # the report must say what went wrong, not crash the caller
        return EngineResult("error", None, None, None, time.monotonic() - began, f"HiGHS: {error}")
    seconds = time.monotonic() - began
    h = prob.solverModel
    info = h.getInfo()
    model_status = h.getModelStatus()
    name = f"HiGHS {h.version()}"
    if prob.status == pulp.LpStatusInfeasible:
        return EngineResult("infeasible", None, None, None, seconds, name)
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        # a node limit (deterministic mode) or a stop at a bound (`stop_at`) stops the search like a
        # time limit does
        timed_out = model_status in (
            highspy.HighsModelStatus.kTimeLimit,
            highspy.HighsModelStatus.kSolutionLimit,
            highspy.HighsModelStatus.kIterationLimit,
            highspy.HighsModelStatus.kInterrupt,
        )
        return EngineResult(
            "timeout" if timed_out else "error",
            None,
            _finite(info.mip_dual_bound, offset),
            None,
            seconds,
            name,
        )
    objective = float(info.objective_function_value) + offset
    if not math.isfinite(objective):  # no plan after all, whatever the status read said
        return EngineResult("timeout", None, _finite(info.mip_dual_bound, offset), None, seconds, name)
    held = float(pulp.value(prob.objective) or 0.0)
    if start and held > objective + 1e-7 * max(1.0, abs(objective)):
        # HiGHS 1.16 may report the better plan's objective yet hand back the starting plan (seen when
        # presolve solves the model outright): solve again without the start
        return solve(
            prob,
            engine=engine,
            time_limit=max(0.5, time_limit - seconds),
            gap_rel=gap_rel,
            threads=threads,
            progress=progress,
            stage=stage,
            incumbents=incumbents,
            node_limit=node_limit,
            presolve=presolve,
            stop_at=stop_at,
        )
    bound = _finite(info.mip_dual_bound, offset)
    if not any(v.cat == pulp.LpInteger for v in prob.variables()):
        bound = objective
    nodes = max(0, int(info.mip_node_count))
    return replace(_report(prob.sol_status, objective, bound, gap_rel, seconds, name), nodes=nodes)


def _finite(value: float, offset: float) -> float | None:
    return float(value) + offset if math.isfinite(value) else None


def _report(
    sol_status: int, objective: float, bound: float | None, gap_rel: float, seconds: float, name: str
) -> EngineResult:
    gap = relative_gap(objective, bound)
    proven = sol_status == pulp.LpSolutionOptimal and within(objective, bound, gap_rel)
    return EngineResult("optimal" if proven else "feasible", objective, bound, gap, seconds, name)


def relative_gap(objective: float, bound: float | None, reference: float = 0.0) -> float | None:
    """(objective − bound) ÷ the larger of |objective| and `reference` (a scale that a subtracted reward
    cannot shrink: `solver.stages.gap_reference`)."""
    if bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), reference, 1e-9)


def within(objective: float, bound: float | None, gap_rel: float, reference: float = 0.0) -> bool:
    """Whether `objective` is proven within `gap_rel` of the valid lower bound `bound`: by the relative
    gap, or by an absolute one below the engines' own precision (PROOF_TOL, which matters when the gap
    asked is tinier than that or the objective is near 0)."""
    gap = relative_gap(objective, bound, reference)
    if bound is None or gap is None:
        return False
    return objective - bound <= PROOF_TOL * max(1.0, abs(objective), reference) or gap <= gap_rel + 1e-9


_CBC_LINE = re.compile(r"^(Objective value|Lower bound):\s*(-?[\d.eE+-]+)", re.MULTILINE)


def _solve_cbc(
    prob: pulp.LpProblem,
    time_limit: float,
    gap_rel: float,
    threads: int | None,
    start: dict[str, float] | None,
    began: float,
    offset: float,
    node_limit: int | None = None,
) -> EngineResult:
    if start:
        for var in prob.variables():
            var.setInitialValue(start.get(var.name, 0.0), check=False)
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "cbc.log")
        with warnings.catch_warnings():
            # PuLP 3.3 deprecates its bundled CBC; it stays here as the named fallback engine
            warnings.simplefilter("ignore")
            solver = pulp.PULP_CBC_CMD(
                msg=False,
                timeLimit=time_limit,
                gapRel=gap_rel,
                threads=threads,
                warmStart=bool(start),
                logPath=log,
                maxNodes=node_limit,
            )
        try:
            prob.solve(solver)
        except Exception as error:
            return EngineResult("error", None, None, None, time.monotonic() - began, f"CBC: {error}")
        text = ""
        if os.path.exists(log):
            with open(log, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
    seconds = time.monotonic() - began
    if prob.status == pulp.LpStatusInfeasible:
        return EngineResult("infeasible", None, None, None, seconds, "CBC")
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return EngineResult(
            "timeout" if "Stopped on time" in text else "error", None, None, None, seconds, "CBC"
        )
    objective = float(pulp.value(prob.objective))
    found = dict(_CBC_LINE.findall(text))
    bound = None
    if "Lower bound" in found and "Objective value" in found:
        # CBC's figures may leave out the objective's constant: shift its bound by the same amount
        bound = float(found["Lower bound"]) + objective - float(found["Objective value"])
    elif prob.sol_status == pulp.LpSolutionOptimal:
        bound = objective
    return _report(prob.sol_status, objective, bound, gap_rel, seconds, "CBC")
