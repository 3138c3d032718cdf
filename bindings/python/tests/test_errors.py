import fantasy
from fantasy._lib import lib
from fantasy.errors import STATUS_TABLE, error_class


def test_table_matches_the_library():
    for status, code in STATUS_TABLE:
        assert lib.fantasy_status_code(status).decode() == code
    # The next number is not a code yet: the table covers the library's whole list.
    last = min(status for status, _ in STATUS_TABLE)
    assert lib.fantasy_status_code(last - 1).decode() == "UNKNOWN"


def test_one_subclass_per_code():
    names = {error_class(status).__name__ for status, _ in STATUS_TABLE}
    assert len(names) == len(STATUS_TABLE)
    assert fantasy.SoldOut is error_class(-6)
    assert fantasy.PaymentUnknown is error_class(-14)
    assert all(issubclass(error_class(s), fantasy.FantasyError) for s, _ in STATUS_TABLE)


def test_unknown_status_falls_back_to_the_base_class():
    assert error_class(-999) is fantasy.FantasyError
    err = fantasy.FantasyError(-999, "UNKNOWN", "text")
    assert (err.status, err.code, err.message) == (-999, "UNKNOWN", "text")
    assert str(err) == "UNKNOWN: text"


def test_version_is_the_library_version():
    assert fantasy.version().count(".") == 2
