"""One module per `stp` subcommand; each exposes `register(subparsers)`."""
