"""``python -m innograph.cli``: the ``innograph`` command."""

from . import main

main()
