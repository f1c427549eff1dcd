"""Benchmark of the pseudo-cohort generator, old against new, in one run (``make bench``).

The old generator is the code of :data:`OLD_COMMIT` (the last commit before issue 15),
checked out by ``git archive`` into a scratch folder with its own ``data/``; the new one is
the working tree's. Both run the same script in fresh processes on the same seeds:

1. time per cohort (wall clock and CPU of the process, one seed after another): medians;
2. wall time of an ensemble of the same seeds generated in parallel with joblib over the
   cores (both generators; the old one has no ensemble module, so the script calls
   ``generate`` directly);
3. the new generator's full ``make ensemble`` (100 cohorts, with their checks) into a
   scratch file.

The cohorts both make for a seed are compared byte for byte: equal while the generator's
version is the old one's (a faster search with the same draws), different once a new version
changes what a seed gives (version 2: the thesis's triple-refractory definition constrains the
flags, so every later draw differs; version 3: a repair step in the survival search). The load
average is printed: the machine is shared.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from cohortgen import pseudocohort
from therapybook import data

OLD_COMMIT = "22a0a13e6b3ba15186498643ce79d8e3c7071abf"
#: Seeds timed one by one with both generators (the shipped cohort's seed and 1…N-1).
SEEDS = (20230901, 1, 2, 3, 4, 5, 6, 7)

_PER_COHORT = r"""
import hashlib, json, sys, time
from cohortgen import pseudocohort
from therapybook import data
published = data.load("retrospective_published")
out = {}
for seed in map(int, sys.argv[1:]):
    wall, cpu = time.perf_counter(), time.process_time()
    cohort = pseudocohort.generate(published, seed=seed)
    out[seed] = [time.perf_counter() - wall, time.process_time() - cpu,
                 hashlib.sha256(cohort.to_csv(index=False).encode()).hexdigest()]
print(json.dumps(out))
"""

_PARALLEL = r"""
import sys, time
from joblib import Parallel, delayed

def one(seed):
    from cohortgen import pseudocohort
    from therapybook import data
    return len(pseudocohort.generate(data.load("retrospective_published"), seed=seed))

start = time.perf_counter()
Parallel(n_jobs=-1)(delayed(one)(int(s)) for s in sys.argv[1:])
print(time.perf_counter() - start)
"""

_ENSEMBLE = r"""
import sys
from pathlib import Path
from cohortgen import ensemble
_path, ens = ensemble.write(Path(sys.argv[1]))
print(ens.wall, len(ens.frame["cohort"].unique()), len(ens.left_out))
"""


def old_tree(dest: Path) -> Path:
    """``src/`` and ``data/`` of :data:`OLD_COMMIT`, extracted into ``dest``."""
    archive = subprocess.run(["git", "-C", str(data.ROOT), "archive", OLD_COMMIT, "src", "data"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _run(script: str, root: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(root / "src"), THERAPYBOOK_ROOT=str(root))
    env.pop("THERAPYBOOK_COHORT", None)
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          env=env, cwd=root)
    if proc.returncode:
        raise RuntimeError(f"le banc du générateur a échoué :\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]


def measure(seeds=SEEDS, full: bool = True) -> dict:
    """Every measurement, both generators (seconds)."""
    seeds = [str(s) for s in seeds]
    with tempfile.TemporaryDirectory(prefix="therapybook-genbench-") as tmp:
        old = old_tree(Path(tmp) / "old")
        new = data.ROOT
        per = {name: json.loads(_run(_PER_COHORT, root, *seeds))
               for name, root in (("old", old), ("new", new))}
        par = {name: float(_run(_PARALLEL, root, *seeds)) for name, root in (("old", old),
                                                                             ("new", new))}
        ens = _run(_ENSEMBLE, new, str(Path(tmp) / "ensemble.csv")).split() if full else None
    same = all(per["old"][s][2] == per["new"][s][2] for s in seeds)
    return {"per": per, "parallel": par, "ensemble": ens, "same": same, "seeds": seeds,
            "load": os.getloadavg()}


def table(m: dict) -> str:
    """The measurements side by side as a Markdown table."""
    def med(name: str, k: int) -> float:
        return statistics.median(v[k] for v in m["per"][name].values())

    n = len(m["seeds"])
    rows = [("médiane par cohorte, temps réel (s)", med("old", 0), med("new", 0)),
            ("médiane par cohorte, CPU (s)", med("old", 1), med("new", 1)),
            (f"ensemble de ces {n} cohortes en parallèle (joblib, s)", m["parallel"]["old"],
             m["parallel"]["new"])]
    lines = ["| mesure | ancien générateur | nouveau générateur | rapport |",
             "|---|---:|---:|---:|"]
    lines += [f"| {label} | {a:.2f} | {b:.2f} | {a / b:.1f} × |" for label, a, b in rows]
    if m["ensemble"]:
        wall, kept, left = m["ensemble"]
        lines.append(f"| `make ensemble` : {kept} cohortes contrôlées ({left} écartée(s)), "
                     f"temps réel (s) | — | {float(wall):.1f} | — |")
    per = ", ".join(f"{s} : {m['per']['old'][s][0]:.1f} → {m['per']['new'][s][0]:.2f}"
                    for s in m["seeds"])
    load = ", ".join(f"{x:.1f}" for x in m["load"])
    return "\n".join([*lines, "", f"Par graine (s, ancien → nouveau) : {per}.",
                      f"Mêmes cohortes octet pour octet : {'oui' if m['same'] else 'non'} "
                      f"(nouveau générateur : version {pseudocohort.GENERATOR_VERSION}). "
                      f"Charge moyenne de la machine (1, 5, 15 min) : {load} ; "
                      f"{os.cpu_count()} cœurs."])


def section(runs: int = 1) -> str:
    """The generator's table for ``make bench`` (one measurement; ``runs`` is unused: each
    row is already a median over seeds)."""
    return (f"Générateur de pseudo-cohortes (ancien : {OLD_COMMIT[:7]}, nouveau : l'arbre de "
            f"travail)\n\n{table(measure())}")


def main() -> int:
    print(section())
    return 0


if __name__ == "__main__":
    sys.exit(main())
