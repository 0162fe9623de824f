"""``python -m autograder COMMAND``: the instructor's grading tools.

Commands:
  mutate [ASSIGNMENT ...]   mutation-test the graded checks through nbgrader autograde
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    mutate = commands.add_parser("mutate", help="mutation-test the graded checks")
    mutate.add_argument("assignments", nargs="*", help="notebook ids (default: all)")
    mutate.add_argument("--jobs", type=int, default=2, help="notebooks graded at once")
    args = parser.parse_args(argv)
    if args.command == "mutate":
        from autograder.mutation import main as mutate_main

        return mutate_main(args.assignments, jobs=args.jobs)
    return 2


if __name__ == "__main__":
    sys.exit(main())
