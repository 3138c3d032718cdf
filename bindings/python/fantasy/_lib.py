"""Loading libfantasy and declaring the C prototypes the binding uses.

Every function gets argtypes and restype: ctypes would otherwise pass and return plain ints, which
truncates pointers on 64-bit hosts. Strings the library hands over are declared c_void_p so we can
copy them and then give them back to fantasy_free; a c_char_p restype would copy and lose the
pointer, leaking the buffer.
"""

import ctypes
import os

SONAME = "libfantasy.so.0"
LIBRARY_ENV = "FANTASY_LIBRARY"


class _Conf(ctypes.Structure):
    """Opaque fantasy_conf: a distinct pointer type so a park can't be passed for a conf."""


class _Park(ctypes.Structure):
    """Opaque fantasy_park."""


ConfPtr = ctypes.POINTER(_Conf)
ParkPtr = ctypes.POINTER(_Park)

_c_status = ctypes.c_int  # fantasy_status: an int-sized enum holding 0 or a negative code

# name: (restype, argtypes)
_PROTOTYPES = {
    "fantasy_version": (ctypes.c_char_p, []),  # static string
    "fantasy_strerror": (ctypes.c_char_p, [_c_status]),  # static string
    "fantasy_status_code": (ctypes.c_char_p, [_c_status]),  # static string
    "fantasy_error_last": (ctypes.c_char_p, []),  # borrowed until the thread's next call
    "fantasy_free": (None, [ctypes.c_void_p]),
    "fantasy_conf_new": (ConfPtr, []),
    "fantasy_conf_free": (None, [ConfPtr]),
    "fantasy_conf_set": (_c_status, [ConfPtr, ctypes.c_char_p, ctypes.c_char_p]),
    "fantasy_park_open": (_c_status, [ConfPtr, ctypes.POINTER(ParkPtr)]),
    "fantasy_park_close": (None, [ParkPtr]),
    "fantasy_call": (
        _c_status,
        [ParkPtr, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
         ctypes.POINTER(ctypes.c_void_p)],
    ),
    "fantasy_call_system": (
        _c_status,
        [ParkPtr, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)],
    ),
}


def _load():
    path = os.environ.get(LIBRARY_ENV) or SONAME
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = _load()


def take_string(ptr):
    """Copy a library-owned C string into a Python str, then free the buffer."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.fantasy_free(ptr)
