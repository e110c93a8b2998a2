"""Import Great Expectations without the statistics and plotting stacks no hub suite runs.

GE 1.x imports every expectation it ships when it is imported. Two of those modules (the KL-divergence
expectation and the KS-test metrics) import ``scipy.stats`` and ``altair`` at module level: together about
80 MB resident, more than a quarter of the push pipeline's 300 MB budget, for expectations no suite in
``expectations/`` names. :func:`great_expectations` puts a stand-in for each of those modules in
``sys.modules`` before GE is imported; the real module is imported the first time anything reads an
attribute of it, so a suite that does use them still works, it just pays for them then.

(``importlib.util.LazyLoader`` does not do here: the import system itself reads ``__spec__`` when the module
is imported a second time, which loads a lazy module at once.)
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
from types import ModuleType

#: Modules GE imports at start-up only for expectations the hub does not use.
DEFERRED_MODULES = ("scipy.stats", "altair")


class DeferredModule(ModuleType):
    """Stands in ``sys.modules`` for a module not imported yet; the first attribute read imports it.

    The stand-in carries the real module's spec (and package path), so ``import x``, ``from x import y``
    and imports of its submodules find it; once loaded, ``sys.modules`` holds the real module and the
    stand-in forwards to it (GE's modules keep the name they bound, e.g. ``alt`` or ``stats``).
    """

    def __init__(self, name: str):
        super().__init__(name)
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ModuleNotFoundError(f"no module named {name!r}", name=name)
        self.__spec__ = spec
        if spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)
        self._hub_lock = threading.Lock()
        self._hub_module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        return getattr(self._load(), attribute)

    def _load(self) -> ModuleType:
        with self._hub_lock:
            if self._hub_module is None:
                name = self.__name__
                if sys.modules.get(name) is self:
                    del sys.modules[name]
                self._hub_module = importlib.import_module(name)
            return self._hub_module


def defer(name: str) -> None:
    """Put a stand-in for ``name`` in ``sys.modules`` unless the module is imported already (or absent)."""
    if name in sys.modules:
        return
    with contextlib.suppress(ModuleNotFoundError):  # not installed: GE does without it too
        sys.modules[name] = DeferredModule(name)


def great_expectations() -> ModuleType:
    """The ``great_expectations`` package, imported with :data:`DEFERRED_MODULES` deferred."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED_MODULES:
            defer(name)
    import great_expectations as gx

    return gx
