"""Command line: ``therapybook html|pdf|validate``."""

from __future__ import annotations

import argparse
import sys

from . import build, data


def validate() -> int:
    """Validate every data file; print each violation; exit 1 if any."""
    violations = data.validate()
    names = [r["name"] for r in data.descriptor()["resources"]]
    if violations:
        print(data.DataValidationError(violations), file=sys.stderr)
        return 1
    print(f"{len(names)} fichiers de données conformes à data/datapackage.json.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="therapybook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("html", "pdf"):
        p = sub.add_parser(name, help=f"construire le livre ({name})")
        p.add_argument("-j", "--jobs", type=int, default=1)
    sub.add_parser("validate", help="valider toutes les données")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate()
    return getattr(build, args.command)(jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
