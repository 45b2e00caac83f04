"""`gridcare outages <subcommand>`: one module per subcommand, each with
`add_arguments(parser)` and `handle(options, out)` (the management command dispatches)."""
