import gc
import threading

import pytest

import fantasy
from conftest import START_MS, TEST_CONF, open_product, signup_and_login


def test_open_close_and_double_close():
    park = fantasy.open({"store": "memory:"})
    assert not park.closed
    assert park.call("products.list") == {"items": [], "next_cursor": None}
    park.close()
    assert park.closed
    park.close()  # a second close is a no-op
    assert park.closed


def test_with_closes_even_on_error():
    with pytest.raises(RuntimeError):
        with fantasy.Park() as park:
            assert not park.closed
            raise RuntimeError("boom")
    assert park.closed


def test_del_closes_an_open_park():
    park = fantasy.open()
    park.__del__()
    assert park.closed
    del park
    gc.collect()


def test_calling_a_closed_park_raises_misuse():
    park = fantasy.open()
    park.close()
    with pytest.raises(fantasy.Misuse) as err:
        park.call("products.list")
    assert (err.value.status, err.value.code) == (-21, "MISUSE")
    assert "closed" in err.value.message
    with pytest.raises(fantasy.Misuse):
        park.call_system("park.stats")


def test_unknown_conf_key_is_named():
    with pytest.raises(fantasy.InvalidArgument) as err:
        fantasy.open({"no.such.key": "1"})
    assert err.value.status == -1
    assert err.value.code == "INVALID_ARGUMENT"
    assert "no.such.key" in err.value.message


def test_bad_conf_value_names_the_key():
    with pytest.raises(fantasy.InvalidArgument) as err:
        fantasy.open({"store": "nosuch:"})
    assert "store" in err.value.message


def test_conf_types_are_checked_before_the_library():
    with pytest.raises(TypeError):
        fantasy.open({"bus.retries": 2.5})
    with pytest.raises(TypeError):
        fantasy.open([("store", "memory:")])
    with pytest.raises(ValueError):
        fantasy.open({"store": "memory:\0"})


def test_integer_conf_values_are_passed_as_text(park):
    assert park.advance_clock(0) == START_MS


def test_unknown_method_is_not_found(park):
    with pytest.raises(fantasy.NotFound) as err:
        park.call("nosuch.method")
    assert err.value.status == -2
    assert "nosuch.method" in err.value.message


def test_args_as_json_string_and_malformed_json(park):
    page = park.call("products.list", '{"limit": 5}')
    assert page["items"] == []
    with pytest.raises(fantasy.InvalidArgument):
        park.call("products.list", "{not json")
    with pytest.raises(TypeError):
        park.call("products.list", ["limit", 5])


def test_advance_clock_and_run_due_expire_an_order(park):
    tokens = signup_and_login(park, "expiring")
    product = open_product(park, stock=3)
    order = park.call("orders.create", {"product_id": product["product_id"], "quantity": 2,
                                        "idempotency_key": "k1"}, tokens["access_token"])
    assert park.advance_clock(TEST_CONF["order.ttl_ms"] + 1) == START_MS + 60_001
    counts = park.run_due()
    assert counts["orders_expired"] == 1
    got = park.call("orders.get", {"order_id": order["order_id"]}, tokens["access_token"])
    assert got["status"] == "EXPIRED"
    assert park.call_system("products.get", {"product_id": product["product_id"]})["available"] == 3


def test_advance_clock_on_system_clock_is_invalid_state():
    with fantasy.open() as park:
        with pytest.raises(fantasy.InvalidState):
            park.advance_clock(1)


def test_calls_from_threads_then_close(park):
    errors = []

    def worker():
        try:
            for _ in range(50):
                park.call("products.list")
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    park.close()
    assert errors == []



def test_close_waits_for_calls_in_flight_then_refuses_new_ones():
    park = fantasy.open()
    started = threading.Barrier(5)
    outcomes = []

    def worker():
        started.wait()
        calls = 0
        while True:
            try:
                park.call("products.list")
                calls += 1
            except fantasy.Misuse:
                outcomes.append(calls)
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    started.wait()
    park.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 4  # every worker ended on MISUSE, none on a crash or another error
