"""`stp`: one command with subcommands. Exit codes: 0 success, 1 ran fine but did not prove, 2 bad usage or input."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from stp_prover.data import DataError
from stp_prover.itp import BackendUnavailable
from stp_prover.plugins import PluginError, load_plugins

from .commands import (
    check,
    config_cmd,
    data_cmd,
    eval_cmd,
    order_cmd,
    pretrain_cmd,
    retrieval_cmd,
    selfplay_cmd,
    serve_cmd,
    train_cmd,
    verify,
)
from .errors import UsageError

EXIT_OK, EXIT_NOT_PROVED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stp", description="Self-play theorem prover for Lean 4 and Coq.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = (
        check,
        verify,
        eval_cmd,
        data_cmd,
        retrieval_cmd,
        selfplay_cmd,
        serve_cmd,
        train_cmd,
        pretrain_cmd,
        order_cmd,
    )
    for module in (*commands, config_cmd):
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        load_plugins()  # first: a plug-in's backends are choices of the parser
    except PluginError as exc:
        print(f"stp: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, DataError, BackendUnavailable) as exc:
        print(f"stp {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"stp {args.command}: interrupted; results written so far are kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`stp order show F | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
