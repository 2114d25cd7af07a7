"""Round 6 A/B: foodtrain alone (2 workers, 10 s) on varied days, one JSON line per day.

Run it against two copies of the tree side by side, alternating day by day, e.g.
  git archive <commit> | tar -x -C /tmp/a   (and /tmp/b for the other commit), then per seed:
  (cd /tmp/a && PYTHONPATH=/tmp/a python .../foodtrain_only.py 10 610); (cd /tmp/b && PYTHONPATH=/tmp/b ...)
PYTHONPATH matters: without it the installed (editable) worktree is imported, not the copy.
"""

import json
import sys

from routing.generator import generate_varied_day
from routing.versus import versus_day

if __name__ == "__main__":
    limit_s = float(sys.argv[1])
    for seed in [int(x) for x in sys.argv[2:]]:
        row = versus_day(generate_varied_day(seed), f"varied-{seed}", limit_s, (), 2)
        plan = row.plans["foodtrain"]
        print(json.dumps({"seed": seed, "size": row.size, "vans": plan.vehicles, "cost": plan.cost,
                          "unserved": plan.unserved, "feasible": plan.feasible, "s": plan.runtime_s}), flush=True)
