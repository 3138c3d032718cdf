"""The Park handle: open from a dict of config keys, JSON calls, close."""

import contextlib
import ctypes
import json
import threading
from collections.abc import Mapping

from ._lib import ParkPtr, lib, take_string
from .errors import MISUSE, make_error

_NO_MEMORY = -20


def _cstr(value, what):
    """UTF-8 bytes for C; a NUL inside would silently cut the string short there."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    data = value.encode("utf-8")
    if b"\0" in data:
        raise ValueError(f"{what} contains a NUL character")
    return data


def _conf_value(key, value):
    # bool is an int subclass, but "True" is no value the library accepts.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _cstr(value, f"conf value of {key!r}")


def _last_error(status):
    """The error of the failure that just happened; the message is read before any other call."""
    message = lib.fantasy_error_last().decode("utf-8", "replace")
    code = lib.fantasy_status_code(status).decode("ascii")
    return make_error(status, code, message)


def _new_conf(conf):
    if conf is not None and not isinstance(conf, Mapping):
        raise TypeError(f"conf must be a mapping of key to value, not {type(conf).__name__}")
    items = [(_cstr(k, "conf key"), _conf_value(k, v)) for k, v in (conf or {}).items()]
    handle = lib.fantasy_conf_new()
    if not handle:
        raise make_error(_NO_MEMORY, "NO_MEMORY", "fantasy_conf_new: out of memory")
    for key, value in items:
        status = lib.fantasy_conf_set(handle, key, value)
        if status != 0:
            error = _last_error(status)
            lib.fantasy_conf_free(handle)
            raise error
    return handle


def _args_json(args):
    if args is None:
        return None
    if isinstance(args, str):
        return _cstr(args, "args")
    if isinstance(args, Mapping):
        return json.dumps(dict(args), allow_nan=False).encode("utf-8")
    raise TypeError(f"args must be a dict, a JSON str or None, not {type(args).__name__}")


def _call_error(status, message_last, text):
    """The error a failed call reported: its error JSON, or the thread's message without one."""
    try:
        detail = json.loads(text)["error"]
        return make_error(status, detail["code"], detail["message"])
    except (TypeError, ValueError, KeyError):
        code = lib.fantasy_status_code(status).decode("ascii")
        return make_error(status, code, message_last)


class Park:
    """An open park. Calls may come from many threads; close() waits for those in flight."""

    def __init__(self, conf=None):
        self._handle = None  # first, so __del__ of a park that failed to open has nothing to do
        self._cond = threading.Condition()
        self._busy = 0
        conf_handle = _new_conf(conf)
        try:
            handle = ParkPtr()
            status = lib.fantasy_park_open(conf_handle, ctypes.byref(handle))
            if status != 0:
                raise _last_error(status)
        finally:
            lib.fantasy_conf_free(conf_handle)  # open copied it
        self._handle = handle

    @property
    def closed(self):
        return not self._handle

    def close(self):
        """Close the park; safe to call again."""
        with self._cond:
            handle, self._handle = self._handle, None
            while self._busy:
                self._cond.wait()
        if handle:
            lib.fantasy_park_close(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self):
        return f"<fantasy.Park {'closed' if self.closed else 'open'}>"

    @contextlib.contextmanager
    def _borrow(self):
        with self._cond:
            if not self._handle:
                raise make_error(MISUSE, "MISUSE", "park is closed")
            self._busy += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._cond:
                self._busy -= 1
                if not self._busy:
                    self._cond.notify_all()

    def _invoke(self, fn, method, args, *extra):
        method_c = _cstr(method, "method")
        args_c = _args_json(args)
        out = ctypes.c_void_p()
        with self._borrow() as handle:
            status = fn(handle, method_c, args_c, *extra, ctypes.byref(out))
            message_last = lib.fantasy_error_last() if status != 0 else None
        text = take_string(out.value)
        if status != 0:
            raise _call_error(status, (message_last or b"").decode("utf-8", "replace"), text)
        return json.loads(text)

    def call(self, method, args=None, token=None):
        """Run a JSON method (API.md) as the holder of `token` (None: anonymous).

        `args` is a dict, a JSON object string or None. Returns the result as a dict; raises
        the FantasyError subclass of the failure's code.
        """
        token_c = None if token is None else _cstr(token, "token")
        return self._invoke(lib.fantasy_call, method, args, token_c)

    def call_system(self, method, args=None):
        """Run a JSON method as the trusted host (methods acting for a user take as_user_id)."""
        return self._invoke(lib.fantasy_call_system, method, args)

    def run_due(self):
        """park.run_due: expire what is due, resolve unknown payments, relay the outbox."""
        return self.call_system("park.run_due")

    def advance_clock(self, ms):
        """park.advance_clock on a manual clock; returns the new time in ms."""
        return self.call_system("park.advance_clock", {"ms": ms})["now"]
