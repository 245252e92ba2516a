"""``python -m aic``: the same as the ``aic`` command."""

from aic.cli import main

main()
