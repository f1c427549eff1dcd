"""Command line: ``therapybook html|pdf|validate|cohort``."""

from __future__ import annotations

import argparse
import sys

from bookbuild import build
from therapybook import data


def validate() -> int:
    """Validate every data file; print each violation; exit 1 if any."""
    violations = data.validate()
    names = [r["name"] for r in data.descriptor()["resources"]]
    if violations:
        print(data.DataValidationError(violations), file=sys.stderr)
        return 1
    print(f"{len(names)} fichiers de données conformes à data/datapackage.json.")
    return 0


def cohort(force: bool, seed: int) -> int:
    """Generate the synthetic pseudo-cohort (refuses to overwrite it unless ``force``)."""
    from cohortgen import pseudocohort

    try:
        path = pseudocohort.write_cohort(force=force, seed=seed)
    except (FileExistsError, pseudocohort.SynthesisError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Pseudo-cohorte synthétique écrite : {path} (graine {seed}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="therapybook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("html", "pdf"):
        p = sub.add_parser(name, help=f"construire le livre ({name})")
        p.add_argument("-j", "--jobs", type=int, default=None,
                       help="processus (défaut : $THERAPYBOOK_JOBS, sinon 2 au plus)")
    sub.add_parser("validate", help="valider toutes les données")
    p = sub.add_parser("cohort", help="générer la pseudo-cohorte synthétique (étude rétrospective)")
    p.add_argument("--force", action="store_true", help="remplacer le fichier existant")
    p.add_argument("--seed", type=int, default=None, help="graine (défaut : celle du paquet)")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate()
    if args.command == "cohort":
        from cohortgen import pseudocohort

        return cohort(args.force, pseudocohort.SEED if args.seed is None else args.seed)
    return getattr(build, args.command)(jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
