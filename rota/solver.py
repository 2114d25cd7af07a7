"""solve(problem, params) -> RotaResult. All OR-Tools handling stays here and in constraints.

Branches share no volunteers, so each branch is solved as its own model.
Up to ``workers`` branches are solved concurrently, one CP-SAT worker
each (see :func:`solve_built_model` for why one worker per model). A core left
over (a one-branch month with two workers) runs :class:`_MostSeatsRun`, the
hard rules only with the most seats as objective, beside the main search:
about a CPU second where the full model may need several, so a starved or
short solve still ends with the most seats (independent generator seeds 10-14
at load 14: 5/5 at the seat maximum, 2/5 without it). Then, on the same core,
the full model again with "seats filled <= that maximum" (implied, so the same
optimum; it closes months whose LP fills a fraction of a seat no rota can,
see :class:`_MostSeatsRun`); whichever search proves first ends the other.

A complete rota comes first and fast: each branch's greedy rota (well under a
second) is reported as the best so far before CP-SAT starts, kept as the
fallback, and kept instead of a worse CP-SAT rota at the time limit. A bound is
reported only once every branch has one. Measured 2026-12-06 on never_pair_heavy
seeds 0/1 under load ~8 on 2 cores: one unhinted max_lp worker proved optimal
in 7.2/6.2 s; the greedy hint (1 or 2 workers) left a 15 % gap at 10 s; two
unhinted workers (max_lp + quick_restart) proved in 9.0/10.1 s -- so spare
cores still go to other branches, not a second worker on the same model.

Measured choices (bench_results/rota/README.md): CP-SAT runs *without* the
greedy rota as a hint by default -- a complete hint gave an instant first
solution but trapped the search near it (a 220-volunteer branch stuck at a
27 % gap where the unhinted run proved optimality in 20 s); the greedy rota
is still computed and returned if CP-SAT finds nothing in time. Probing in
presolve is off (cp_model_probing_level=0): first solutions come 2-4x sooner
and proofs no later on these models.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ortools.sat.python import cp_model

from .constraints import RotaModel, add_hint, add_most_teams_and_single_seats, build_model, team_and_single_seats
from .domain import Assignment, Params, RotaProblem, Status, Weights
from .explain import UnfilledSlot, explain_unfilled
from .greedy import fill_free_seats, greedy_rota
from .scoring import SOFT_RULES, evaluate

STATUSES = tuple(status.value for status in Status)  # "optimal", "feasible", "infeasible", "no_solution_in_time"


@dataclass(frozen=True)
class Team:
    """Who works a slot together (``members`` are (role, volunteer id) pairs; a shadowing trainee's role is
    "shadow", beside the team and not one of its seats)."""

    slot_id: str
    label: str
    kind: str
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VolunteerLoad:
    """Shifts a volunteer got this month against what they wished for."""

    volunteer_id: str
    shifts: int
    wished: int
    difference: int  # shifts - wished
    last_month_shifts: int


@dataclass(frozen=True)
class BranchStats:
    """Per-branch solve figures."""

    branch: str
    status: Status
    objective: int
    best_bound: float
    wall_time_s: float
    first_solution_s: float | None
    num_variables: int


@dataclass(frozen=True)
class RotaResult:
    """The rota and how good it is.

    ``status``: the WORST branch's status (see :func:`worst_status`; ``status_by_branch`` and
    ``status_summary`` tell each branch's own): "optimal" (proven), "feasible" (time limit hit; ``gap`` says how
    far from CP-SAT's bound at most), "infeasible" (cannot happen for valid
    input: an empty rota is always allowed) or "no_solution_in_time" (the
    greedy rota is returned, ``source == "greedy"``, or the most-seats rota of the spare core,
    ``source == "most-seats"``, whichever scores better). One branch without a CP-SAT rota makes the
    overall "no_solution_in_time" even when the others are proven optimal.
    ``objective`` is the weighted penalty total, equal to
    ``sum(objective_by_rule.values())``; ``best_bound`` is a proven lower bound.
    """

    status: Status
    assignments: tuple[Assignment, ...]
    teams: tuple[Team, ...]
    loads: tuple[VolunteerLoad, ...]
    objective: int
    best_bound: float
    gap: float
    objective_by_rule: dict[str, int]
    unfilled: tuple[UnfilledSlot, ...]
    wall_time_s: float
    first_solution_s: float | None
    source: str = "cp-sat"
    branches: tuple[BranchStats, ...] = field(default_factory=tuple)
    # when a complete rota keeping every hard rule was first there to show (the greedy rota of every branch,
    # computed before any CP-SAT search); ``first_solution_s`` is when CP-SAT had its own in every branch
    first_full_rota_s: float | None = None

    @property
    def seats_filled(self) -> int:
        """Seats filled: a trainee in a shadow seat fills none."""
        return sum(1 for a in self.assignments if not a.is_shadow)

    @property
    def shadow_shifts(self) -> int:
        """Shadow seats given to trainees."""
        return sum(1 for a in self.assignments if a.is_shadow)

    @property
    def status_by_branch(self) -> dict[str, Status]:
        """Each branch's own status ({"all": status} when the month was solved as one model)."""
        return {b.branch: b.status for b in self.branches} or {"all": self.status}

    @property
    def status_summary(self) -> str:
        """For people: the status when every branch has the same, else each branch's, worst first."""
        by_branch = self.status_by_branch
        if len(set(by_branch.values())) <= 1:
            return self.status.replace("_", " ")
        return "; ".join(
            f"{name}: {st.replace('_', ' ')}"
            for name, st in sorted(by_branch.items(), key=lambda kv: (-STATUS_RANK[kv[1]], kv[0]))
        )


@dataclass(frozen=True)
class SearchProgress:
    """What the search has reached so far.

    ``objective`` is the score of a complete, valid rota: the greedy rota of each branch until CP-SAT
    improves on it. ``bound`` is a proven lower bound on the best objective, or None until every branch
    has one (a sum over some branches bounds nothing). ``branches_with_solution`` counts branches with a
    CP-SAT rota.
    """

    elapsed_s: float
    objective: float
    bound: float | None
    branches_with_solution: int
    branches: int


ProgressCallback = Callable[[SearchProgress], None]
StopCallback = Callable[[], bool]


class _SearchWatch:
    """Shared by the branch searches of one solve: sums their progress for the caller, asks them to stop."""

    def __init__(
        self, t_start: float, branches: int, on_progress: ProgressCallback | None, should_stop: StopCallback | None
    ) -> None:
        self.t_start = t_start
        self.branches = branches
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.best: dict[str, tuple[float, float]] = {}  # branch -> (best objective, highest bound) of CP-SAT
        self.starting: dict[str, float] = {}  # branch -> objective of its greedy rota
        self.lock = threading.Lock()
        self.first_complete_s: float | None = None  # when every branch first had a complete, valid rota

    def starting_rota(self, branch: str, objective: float) -> None:
        """A branch's complete rota found outside the main search (greedy, then the most-seats rota): reported
        once every branch has a complete rota, so the sum is one."""
        with self.lock:
            self.starting[branch] = min(objective, self.starting.get(branch, objective))
            if branch in self.best:
                best, bound = self.best[branch]
                self.best[branch] = (min(best, objective), bound)
        self._report()

    def solution(self, branch: str, objective: float, bound: float) -> None:
        """A CP-SAT rota of ``branch``; two searches may report for one branch: the best rota and the highest
        bound are kept (both searches bound the same optimum)."""
        with self.lock:
            candidates = [objective, self.starting.get(branch, objective)]
            if branch in self.best:
                candidates.append(self.best[branch][0])
                bound = max(bound, self.best[branch][1] or bound)
            self.best[branch] = (min(candidates), bound)
        self._report()

    def _report(self) -> None:
        with self.lock:
            covered = set(self.best) | set(self.starting)
            if len(covered) < self.branches:
                return
            if self.first_complete_s is None:
                self.first_complete_s = time.perf_counter() - self.t_start
            if self.on_progress is None:
                return
            objective = sum(self.best[b][0] if b in self.best else self.starting[b] for b in covered)
            bounds = [self.best[b][1] for b in covered if b in self.best]
            bound = sum(bounds) if len(bounds) == self.branches else None
            progress = SearchProgress(
                time.perf_counter() - self.t_start,
                objective,
                None if bound is None else min(bound, objective),
                len(self.best),
                self.branches,
            )
        self.on_progress(progress)

    def stop_requested(self) -> bool:
        return self.should_stop is not None and self.should_stop()


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    """Notes when the first solution came, passes every solution to the watch, and stops on request."""

    def __init__(self, t0: float, watch: _SearchWatch | None = None, branch: str = "") -> None:
        super().__init__()
        self.t0 = t0
        self.first: float | None = None
        self.watch = watch
        self.branch = branch

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.t0
        if self.watch is not None:
            self.watch.solution(self.branch, self.objective_value, math.ceil(self.best_objective_bound - 1e-6))
            if self.watch.stop_requested():
                self.stop_search()


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective|, 0 when both are 0."""
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(1.0, abs(objective))


class SearchAnswer(NamedTuple):
    """What one CP-SAT search of a branch gives: its status, rota (empty without one), proven lower bound and
    when its first solution came (None: none)."""

    status: Status
    assignments: list[Assignment]
    bound: float
    first_solution_s: float | None


@dataclass
class BranchOutcome:
    """How one branch's rota came out: its status, rota, bound, timings, model size, objective and source."""

    status: Status
    assignments: list[Assignment]
    bound: float
    first: float | None
    wall: float
    nvars: int
    objective: int = 0
    # "greedy" when the greedy rota was kept (CP-SAT found nothing, or nothing better); "most-seats" when the
    # hard-rules-only rota of the spare core scored better than both
    source: str = "cp-sat"


def solve_built_model(
    m: RotaModel,
    params: Params,
    time_limit_s: float,
    t_start: float,
    hint: list[Assignment] | None,
    watch: _SearchWatch | None = None,
    branch: str = "",
    stop: threading.Event | None = None,
) -> SearchAnswer:
    """Run CP-SAT on a built model.

    ``stop`` set (by the other search of the same branch, once it proved optimality) ends this one."""
    if hint is not None:
        add_hint(m, hint)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, time_limit_s)
    # One worker running max_lp (full linear relaxation, LP-guided search) per
    # model: on these models it proves optimality sooner than two workers
    # (max_lp + default_lp/LNS) -- typical seed 0: 5.4 s vs not in 10 s; large
    # seed 3: 14.9 s vs gap after 30 s. Spare cores go to other branches.
    p.num_workers = 1
    p.subsolvers.append("max_lp")
    p.linearization_level = 2
    p.random_seed = params.seed
    p.relative_gap_limit = params.relative_gap_limit
    p.log_search_progress = params.log_search_progress
    p.cp_model_probing_level = 0
    cb = _FirstSolution(t_start, watch, branch)
    if watch is not None and watch.stop_requested():
        p.max_time_in_seconds = 0.05

    def stop_requested() -> bool:
        return (watch is not None and watch.stop_requested()) or (stop is not None and stop.is_set())

    done = threading.Event()
    if (watch is not None and watch.should_stop is not None) or stop is not None:

        def stop_when_asked() -> None:  # a stop request ends presolve or a long search too, not only at solutions
            while not done.wait(0.1):
                if stop_requested():
                    solver.stop_search()
                    return

        threading.Thread(target=stop_when_asked, name=f"rota-stop-{branch}", daemon=True).start()
    try:
        code = solver.solve(m.model, cb)
    finally:
        done.set()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = m.assignments(solver.boolean_value)  # seats and shadow seats
        status = Status.OPTIMAL if code == cp_model.OPTIMAL else Status.FEASIBLE
        # the objective is integral, so CP-SAT's (float) bound can be rounded up
        return SearchAnswer(status, chosen, float(math.ceil(solver.best_objective_bound - 1e-6)), cb.first)
    if code == cp_model.INFEASIBLE:
        return SearchAnswer(Status.INFEASIBLE, [], solver.best_objective_bound, None)
    return SearchAnswer(Status.NO_SOLUTION_IN_TIME, [], solver.best_objective_bound, None)


class _MostSeatsRun(threading.Thread):
    """On a spare core, beside the main search: the hard rules only, most seats filled (max_lp proves that
    in about a CPU second where the full model may need several). Its rota is complete and valid, so it
    replaces the greedy rota as best-so-far and fallback when it scores better under the full objective.

    ``then_capped``: afterwards, the full model again with "seats filled <= the proven seat maximum" added.
    The constraint is implied (no rota fills more), so the optimum is the same, but the LP no longer fills a
    fraction of a seat more than any rota can, which is what kept CP-SAT from proving months whose bound sat
    one empty seat (1000) below the optimum (typical seed 33: bound 28903 vs 29823 after 9.8 deterministic
    units; capped: proven at 1.5 after the seat maximum's 1.4). On easy months the capped model is slower
    than the plain one (1.0-1.5 units vs 0.1-0.7), so both run and the first proof ends the other.
    """

    def __init__(
        self,
        problem: RotaProblem,
        params: Params,
        time_limit_s: float,
        watch: _SearchWatch | None,
        branch: str,
        then_capped: RotaModel | None = None,
        t_start: float = 0.0,
        proven: threading.Event | None = None,
        most: tuple[int | None, int | None] | None = None,
    ) -> None:
        super().__init__(name=f"rota-seats-{branch}", daemon=True)
        self.problem, self.params, self.time_limit_s = problem, params, time_limit_s
        self.watch, self.branch = watch, branch
        # a copy of the full model (its own CpModel, same variable indices) to cap and solve afterwards
        self.then_capped, self.t_start, self.proven = then_capped, t_start, proven
        # proven_team_and_single_maxima, when the caller has them (then already in ``then_capped``)
        self.most = most
        self.solver = cp_model.CpSolver()
        self.rota: list[Assignment] | None = None
        self.objective: int | None = None
        self.seat_bound: int | None = None  # proven: no rota fills more seats
        self.capped: SearchAnswer | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        t0 = time.perf_counter()
        m = build_model(self.problem, self.params.weights, soft_rules=False)
        most = self.most or proven_team_and_single_maxima(m, 0.3 * self.time_limit_s, self.params.seed, self._use)
        add_most_teams_and_single_seats(m, *most)
        m.model.maximize(sum(m.x.values()))
        self.solver = cp_model.CpSolver()
        _most_seats_parameters(self.solver, self.time_limit_s - (time.perf_counter() - t0), self.params.seed)
        if self._stopped.is_set():
            return
        code = self.solver.solve(m.model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return
        rota = m.assignments(self.solver.boolean_value)  # shadows too: a trainee's seat may rest on them
        self.objective = sum(evaluate(self.problem, rota, self.params.weights).values())
        self.rota = rota
        self.seat_bound = math.floor(self.solver.best_objective_bound + 1e-6)
        if self.watch is not None:
            self.watch.starting_rota(self.branch, self.objective)
        full = self.then_capped
        if full is None or self._stopped.is_set():
            return
        if self.most is None:
            add_most_teams_and_single_seats(full, *most)
        full.model.add(
            sum(full.model.get_bool_var_from_proto_index(var.index) for var in full.x.values()) <= self.seat_bound
        )
        self.capped = solve_built_model(
            full,
            self.params,
            self.time_limit_s - (time.perf_counter() - t0),
            self.t_start,
            None,
            self.watch,
            self.branch,
            stop=self._stopped,
        )
        if self.capped.status is Status.OPTIMAL and self.proven is not None:
            self.proven.set()

    def _use(self, solver: cp_model.CpSolver) -> bool:
        """Make ``solver`` the one :meth:`stop` ends; False once stopped (then it is not run)."""
        self.solver = solver
        return not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()
        self.solver.stop_search()


def proven_team_and_single_maxima(
    m: RotaModel,
    time_limit_s: float,
    seed: int,
    use: Callable[[cp_model.CpSolver], bool] | None = None,
) -> tuple[int | None, int | None]:
    """Upper bounds, proven on the hard rules alone (``m`` built with ``soft_rules=False``), on the teams any
    rota sends out and on the one-person seats it fills (None: no bound in time). Each is about 0.1 deterministic
    units (typical months): with the teams alone as objective CP-SAT rounds the LP's half team down, which it
    cannot do when the objective mixes teams (2 seats) and single seats. ``use`` is told of each solver before
    it runs (to stop it) and may refuse it."""
    out: list[int | None] = []
    for group in team_and_single_seats(m):
        if not group:
            out.append(0)
            continue
        model = m.model.clone()
        model.maximize(sum(model.get_bool_var_from_proto_index(v.index) for v in group))
        solver = cp_model.CpSolver()
        _most_seats_parameters(solver, time_limit_s / 2, seed)
        if use is not None and not use(solver):
            out.append(None)
            continue
        code = solver.solve(model)
        out.append(
            math.floor(solver.best_objective_bound + 1e-6) if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
        )
    return out[0], out[1]


def _most_seats_parameters(solver: cp_model.CpSolver, time_limit_s: float, seed: int) -> None:
    p = solver.parameters
    p.num_workers = 1
    p.subsolvers.append("max_lp")
    p.linearization_level = 2
    p.cp_model_probing_level = 0
    p.random_seed = seed
    p.max_time_in_seconds = max(0.05, time_limit_s)


def _starting_rota(problem: RotaProblem, params: Params, watch: _SearchWatch | None, branch: str) -> list[Assignment]:
    """The branch's greedy rota (well under a second): complete and valid, shown at once and kept as fallback."""
    starting = greedy_rota(problem, seed=params.seed)
    if watch is not None:
        watch.starting_rota(branch, sum(evaluate(problem, starting, params.weights).values()))
    return starting


def _solve_branch(
    problem: RotaProblem,
    params: Params,
    time_limit_s: float,
    t_start: float,
    hint: list[Assignment] | None = None,
    watch: _SearchWatch | None = None,
    branch: str = "",
    spare_core: bool = False,
    starting: list[Assignment] | None = None,
) -> BranchOutcome:
    t0 = time.perf_counter()
    # The greedy rota first (unless the caller made it already): a complete valid rota to show and fall back
    # on at once, while CP-SAT presolves and searches. The most-seats search starts after it, so the two
    # Python model builds do not slow the greedy rota down (they share the interpreter lock).
    if starting is None:
        starting = _starting_rota(problem, params, watch, branch)
    if hint is None and params.use_greedy_hint:
        hint = starting
    m = build_model(problem, params.weights)
    # The most teams and one-person seats, proven on the hard rules alone first (~0.1 units): implied bounds that
    # keep the LP from sending half a team out. Typical seeds 100/115: proven in 0.07+0.35 / 0.12+0.70 units
    # with them, open after 3 units without.
    most = proven_team_and_single_maxima(
        build_model(problem, params.weights, soft_rules=False), 0.2 * time_limit_s, params.seed
    )
    add_most_teams_and_single_seats(m, *most)
    proven = threading.Event()  # set by the capped search once it proves optimality: ends the main one
    seats_run = None
    if spare_core:
        capped = copy.copy(m)
        capped.model = m.model.clone()  # before any hint is added; CP-SAT reads solutions by variable index
        seats_run = _MostSeatsRun(
            problem,
            params,
            time_limit_s - (time.perf_counter() - t0),
            watch,
            branch,
            then_capped=capped,
            t_start=t_start,
            proven=proven,
            most=most,
        )
        seats_run.start()
    runs = [
        solve_built_model(
            m, params, time_limit_s - (time.perf_counter() - t0), t_start, hint, watch, branch, stop=proven
        )
    ]
    if seats_run is not None:
        seats_run.stop()
        seats_run.join()
        if seats_run.capped is not None:
            runs.append(seats_run.capped)
    status, chosen, bound, first = _best_of(problem, params, runs)
    if status in (Status.INFEASIBLE, Status.NO_SOLUTION_IN_TIME):
        # never leave the coordinator empty-handed: the greedy rota keeps every hard rule
        chosen = hint if hint is not None else starting
    elif status is Status.FEASIBLE:
        chosen = fill_free_seats(problem, chosen, seed=params.seed)
    obj = sum(evaluate(problem, chosen, params.weights).values())
    source = "cp-sat" if status in (Status.OPTIMAL, Status.FEASIBLE) else "greedy"
    starting_obj = sum(evaluate(problem, starting, params.weights).values())
    if status is Status.FEASIBLE and obj > starting_obj:
        chosen, obj, source = starting, starting_obj, "greedy"  # never worse than the rota shown first
    if (
        seats_run is not None
        and seats_run.rota is not None
        and seats_run.objective is not None
        and status is not Status.OPTIMAL
        and seats_run.objective < obj
    ):
        chosen, obj, source = seats_run.rota, seats_run.objective, "most-seats"
    if status is Status.FEASIBLE and obj <= bound:
        status = Status.OPTIMAL  # one search's rota meets the other's bound
    return BranchOutcome(status, chosen, bound, first, time.perf_counter() - t0, len(m.x), obj, source)


def _best_of(problem: RotaProblem, params: Params, runs: list[SearchAnswer]) -> SearchAnswer:
    """One answer from the searches of one branch (plain and seat-capped model): a proven rota first, else the
    lower objective; the higher bound (each is a proven lower bound on the same optimum, the cap being implied);
    the earliest first solution."""
    bound = max(r.bound for r in runs)
    found = [r for r in runs if r.status in (Status.OPTIMAL, Status.FEASIBLE)]
    if not found:
        return SearchAnswer(runs[0].status, [], bound, None)
    best = min(
        found,
        key=lambda r: (r.status is not Status.OPTIMAL, sum(evaluate(problem, r.assignments, params.weights).values())),
    )
    firsts = [r.first_solution_s for r in found if r.first_solution_s is not None]
    return SearchAnswer(best.status, best.assignments, bound, min(firsts) if firsts else None)


def solve(
    problem: RotaProblem,
    params: Params | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> RotaResult:
    """Draw up the month's rota. Never raises for an understaffed month.

    Branches share no volunteers, so each is its own CP-SAT model. Up to
    ``params.workers`` branches are solved at the same time (threads, one
    CP-SAT worker each), largest first; each gets the time left before the
    deadline, scaled by its share of the branches not yet started.

    ``on_progress`` is called (from the search threads) with each improved
    solution's objective and bound; ``should_stop`` is asked at each solution,
    and a True ends the search with the best rota found so far.
    """
    params = params or Params()
    t_start = time.perf_counter()
    deadline = t_start + params.time_limit_s
    branches = problem.branches if params.decompose_by_branch else ()
    parts = [(b, problem.for_branch(b)) for b in branches] if len(branches) > 1 else [("all", problem)]
    parts.sort(key=lambda bp: (-len(bp[1].slots) * len(bp[1].volunteers), bp[0]))
    sizes = {name: max(1, len(p.slots) * max(1, len(p.volunteers))) for name, p in parts}
    threads = max(1, min(params.workers, len(parts)))
    lock = threading.Lock()
    unstarted = set(sizes)
    watch = _SearchWatch(t_start, len(parts), on_progress, should_stop)
    # Every branch's greedy rota before any search, so a complete rota of the whole month is there in a
    # second or two even when later branches wait for a free core (four branches: ~2 s where it used to
    # come only when the last branch started).
    starting = {name: _starting_rota(sub, params, watch, name) for name, sub in parts} if len(parts) > 1 else {}

    def run(name: str, sub: RotaProblem) -> BranchOutcome:
        with lock:
            total = sum(sizes[n] for n in unstarted)
            unstarted.discard(name)
        left = deadline - time.perf_counter()
        limit = min(left, left * threads * sizes[name] / total)
        return _solve_branch(
            sub,
            params,
            limit,
            t_start,
            watch=watch,
            branch=name,
            spare_core=params.workers > len(parts),
            starting=starting.get(name),
        )

    if threads == 1:
        outcomes = {name: run(name, sub) for name, sub in parts}
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = {name: pool.submit(run, name, sub) for name, sub in parts}
            outcomes = {name: f.result() for name, f in futures.items()}
    result = build_result(problem, params, [(name, outcomes[name]) for name, _ in parts], t_start)
    return replace(result, first_full_rota_s=watch.first_complete_s)


@dataclass(frozen=True)
class SeatCheck:
    """The most seats the hard rules allow this month, whatever the soft rules: ``seats`` filled by the best
    rota found, ``upper_bound`` proven (equal when ``proven``)."""

    seats: int
    upper_bound: int
    proven: bool


def max_fillable_seats(problem: RotaProblem, time_limit_s: float = 30.0, seed: int = 0) -> SeatCheck:
    """Maximise seats filled under the hard rules only (a yardstick for the rota: with the default weights an
    empty seat costs more than any soft rule saves, so the rota should reach it). One model per branch."""
    branches = problem.branches
    parts = [problem.for_branch(b) for b in branches] if len(branches) > 1 else [problem]
    deadline = time.perf_counter() + time_limit_s
    seats = bound = 0
    proven = True
    for i, part in enumerate(parts):
        m = build_model(part, Weights(), soft_rules=False)
        share_s = (deadline - time.perf_counter()) / (len(parts) - i)
        add_most_teams_and_single_seats(m, *proven_team_and_single_maxima(m, 0.3 * share_s, seed))
        m.model.maximize(sum(m.x.values()))
        solver = cp_model.CpSolver()
        _most_seats_parameters(solver, (deadline - time.perf_counter()) / (len(parts) - i), seed)
        code = solver.solve(m.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            seats += round(solver.objective_value)
            bound += math.floor(solver.best_objective_bound + 1e-6)
        else:
            bound += len(m.x)  # nothing proven: every candidate seat
        proven = proven and code == cp_model.OPTIMAL
    return SeatCheck(seats, bound, proven)


STATUS_RANK = {
    status: i
    for i, status in enumerate((Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION_IN_TIME, Status.INFEASIBLE))
}


def worst_status(statuses: Iterable[str]) -> Status:
    """The overall status of a multi-branch solve: the worst branch's ("optimal" only if every branch is).

    Bare status strings (``"feasible"``) are read as their :class:`Status`."""
    return max((Status(status) for status in statuses), key=STATUS_RANK.__getitem__, default=Status.OPTIMAL)


def _unfilled_by_branch(problem: RotaProblem, outcomes: list[tuple[str, BranchOutcome]]) -> tuple[UnfilledSlot, ...]:
    """Reasons for empty seats, each branch told how *its* rota was made (a greedy fallback in one branch does not
    make another branch's CP-SAT rota "greedy"); in date order."""
    out: list[UnfilledSlot] = []
    for name, o in outcomes:
        part = problem if name == "all" or len(outcomes) == 1 else problem.for_branch(name)
        out.extend(explain_unfilled(part, list(o.assignments), "greedy" if o.source == "greedy" else "feasible"))
    order = {s.id: (s.date, s.part_of_day, s.id) for s in problem.slots}
    return tuple(sorted(out, key=lambda u: order[u.slot_id]))


def build_result(
    problem: RotaProblem,
    params: Params,
    outcomes: list[tuple[str, BranchOutcome]],
    t_start: float,
    extra_objective: dict[str, int] | None = None,
) -> RotaResult:
    chosen = sorted((a for _, o in outcomes for a in o.assignments), key=lambda a: (a.slot_id, a.role, a.volunteer_id))
    status = worst_status(o.status for _, o in outcomes)
    by_rule = evaluate(problem, chosen, params.weights)
    if extra_objective:
        by_rule.update(extra_objective)
    objective = sum(by_rule.values())
    # CP-SAT's own bounds (a model/scoring mismatch shows as a gap), each at least 0: every penalty is >= 0, and a
    # branch stopped before presolve ends reports a meaningless one (four branches seed 41 at load 20: -4528209)
    bound = sum(max(0.0, o.bound) for _, o in outcomes)
    firsts = [o.first for _, o in outcomes]
    slots = {s.id: s for s in problem.slots}
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a in chosen:
        members[a.slot_id].append((a.role, a.volunteer_id))
    teams = tuple(
        Team(slot_id=sid, label=slots[sid].label, kind=slots[sid].kind, members=tuple(sorted(ms)))
        for sid, ms in sorted(members.items(), key=lambda kv: (slots[kv[0]].date, kv[0]))
    )
    shifts: dict[str, int] = defaultdict(int)
    for a in chosen:
        shifts[a.volunteer_id] += 1
    last: dict[str, int] = defaultdict(int)
    for h in problem.history.assignments:
        last[h.volunteer_id] += 1
    loads = tuple(
        VolunteerLoad(
            volunteer_id=v.id,
            shifts=shifts[v.id],
            wished=v.wished_shifts_per_month,
            difference=shifts[v.id] - v.wished_shifts_per_month,
            last_month_shifts=last[v.id],
        )
        for v in problem.volunteers
    )
    return RotaResult(
        status=status,
        assignments=tuple(chosen),
        teams=teams,
        loads=loads,
        objective=objective,
        best_bound=bound,
        gap=relative_gap(objective, bound) if status in (Status.OPTIMAL, Status.FEASIBLE) else 1.0,
        objective_by_rule=by_rule,
        unfilled=_unfilled_by_branch(problem, outcomes),
        wall_time_s=time.perf_counter() - t_start,
        first_solution_s=None if None in firsts else max(f for f in firsts if f is not None),
        source="+".join(dict.fromkeys(sorted(o.source for _, o in outcomes))) or "cp-sat",
        branches=tuple(
            BranchStats(
                branch=n,
                status=Status(o.status),
                objective=o.objective,
                best_bound=o.bound,
                wall_time_s=o.wall,
                first_solution_s=o.first,
                num_variables=o.nvars,
            )
            for n, o in outcomes
        ),
    )


__all__ = [
    "solve",
    "solve_built_model",
    "build_result",
    "BranchOutcome",
    "SearchAnswer",
    "worst_status",
    "max_fillable_seats",
    "SeatCheck",
    "RotaResult",
    "Team",
    "VolunteerLoad",
    "BranchStats",
    "SOFT_RULES",
    "STATUSES",
]
