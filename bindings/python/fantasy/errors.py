"""FantasyError and one subclass per status code of API.md, generated from one table.

The table mirrors FANTASY_STATUS_MAP in include/fantasy/errors.h (numbers are ABI, append only);
the tests check it against the loaded library's fantasy_status_code.
"""

# (status, code): the class name is the code in CamelCase (SOLD_OUT -> SoldOut).
STATUS_TABLE = (
    (-1, "INVALID_ARGUMENT"),
    (-2, "NOT_FOUND"),
    (-3, "ALREADY_EXISTS"),
    (-4, "CONFLICT"),
    (-5, "IDEMPOTENCY_MISMATCH"),
    (-6, "SOLD_OUT"),
    (-7, "LIMIT_EXCEEDED"),
    (-8, "NOT_ON_SALE"),
    (-9, "INVALID_STATE"),
    (-10, "ALREADY_QUEUED"),
    (-11, "ALREADY_REDEEMED"),
    (-12, "AMOUNT_MISMATCH"),
    (-13, "DECLINED"),
    (-14, "PAYMENT_UNKNOWN"),
    (-15, "UNAUTHENTICATED"),
    (-16, "PERMISSION_DENIED"),
    (-17, "EXPIRED"),
    (-18, "UNAVAILABLE"),
    (-19, "BACKEND"),
    (-20, "NO_MEMORY"),
    (-21, "MISUSE"),
)

MISUSE = -21


class FantasyError(Exception):
    """A call the library refused: `status` (negative int), `code` ("SOLD_OUT"), `message`."""

    def __init__(self, status, code, message):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _class_name(code):
    return "".join(part.capitalize() for part in code.split("_"))


_BY_STATUS = {}
for _status, _code in STATUS_TABLE:
    _cls = type(_class_name(_code), (FantasyError,), {
        "__doc__": f"Status {_status}, code {_code}.",
        "__module__": __name__,
    })
    globals()[_cls.__name__] = _cls
    _BY_STATUS[_status] = _cls
del _status, _code, _cls

__all__ = ["FantasyError", "STATUS_TABLE", "error_class"] + [
    _class_name(code) for _, code in STATUS_TABLE
]


def error_class(status):
    """The exception class for `status`; FantasyError for a code this binding doesn't know."""
    return _BY_STATUS.get(status, FantasyError)


def make_error(status, code, message):
    return error_class(status)(status, code, message)
