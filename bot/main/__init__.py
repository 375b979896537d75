"""The composition root: the ``communitybot`` command line and the wiring of core, storage, knowledge and adapters.

This package is the one place allowed to import everything, adapters and platform libraries included
(``tests/test_layers.py`` checks that the rest of ``bot/`` does not).
"""

__all__: list[str] = []
