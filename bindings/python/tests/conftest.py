import pytest

import fantasy

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z

# A cheap KDF keeps signups fast; a manual clock makes expiry testable.
TEST_CONF = {
    "store": "memory:",
    "clock": "manual",
    "clock.start_ms": START_MS,
    "auth.kdf": "scrypt:N=1024,r=8,p=1",
    "order.ttl_ms": 60_000,
}


@pytest.fixture
def park():
    with fantasy.open(TEST_CONF) as p:
        yield p


def signup_and_login(park, username, password="correct horse battery"):
    park.call("accounts.signup", {"username": username, "password": password})
    return park.call("accounts.login", {"username": username, "password": password})


def open_product(park, stock, price=59_000):
    draft = park.call_system("products.create", {
        "name": "Day pass",
        "type": "TICKET",
        "price": {"amount": price, "currency": "KRW"},
        "stock": stock,
    })
    return park.call_system("products.open", {"product_id": draft["product_id"]})
