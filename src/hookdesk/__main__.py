"""`python -m hookdesk`: the same as the `hookdesk` command."""

from hookdesk.console import main

main()
