"""Python binding of libfantasy over its C API (ctypes, standard library only).

    import fantasy
    with fantasy.open({"store": "memory:"}) as park:
        park.call_system("products.list")

The library is loaded by SONAME (libfantasy.so.0); set FANTASY_LIBRARY to a path to load another.
"""

from ._lib import lib as _lib
from .errors import *  # noqa: F401,F403  FantasyError and one subclass per code
from .errors import __all__ as _error_names
from .park import Park


def open(conf=None):  # noqa: A001  mirrors the Lua binding's fantasy.open
    """Open a park from a dict of config keys (API.md), e.g. {"store": "memory:"}."""
    return Park(conf)


def version():
    """The loaded library's version string."""
    return _lib.fantasy_version().decode("ascii")


__all__ = ["Park", "open", "version"] + _error_names
