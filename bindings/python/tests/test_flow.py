import pytest

import fantasy
from conftest import open_product, signup_and_login


def test_signup_login_order_pay_then_sold_out(park):
    alice = signup_and_login(park, "alice")
    assert alice["user"]["username"] == "alice"
    assert alice["user"]["role"] == "USER"
    product = open_product(park, stock=2)
    assert product["status"] == "OPEN"

    token = alice["access_token"]
    order = park.call("orders.create", {"product_id": product["product_id"], "quantity": 2,
                                        "idempotency_key": "cart-1"}, token)
    assert order["status"] == "PENDING_PAYMENT"
    assert order["amount"] == {"amount": 118_000, "currency": "KRW"}

    paid = park.call("orders.pay", {"order_id": order["order_id"], "payment_key": "sandbox-1",
                                    "amount": order["amount"]}, token)
    assert paid["status"] == "PAID"
    assert len(paid["tickets"]) == 2
    assert {t["status"] for t in paid["tickets"]} == {"VALID"}

    bob = signup_and_login(park, "bob")
    with pytest.raises(fantasy.SoldOut) as err:
        park.call("orders.create", {"product_id": product["product_id"], "quantity": 1,
                                    "idempotency_key": "cart-2"}, bob["access_token"])
    assert isinstance(err.value, fantasy.FantasyError)
    assert err.value.status == -6
    assert err.value.code == "SOLD_OUT"
    assert product["product_id"] in err.value.message

    counts = park.call_system("products.get", {"product_id": product["product_id"]})
    assert (counts["available"], counts["held"], counts["sold"]) == (0, 0, 2)


def test_declined_payment_leaves_the_order_payable(park):
    token = signup_and_login(park, "carol")["access_token"]
    product = open_product(park, stock=5, price=1000)
    order = park.call("orders.create", {"product_id": product["product_id"], "quantity": 1,
                                        "idempotency_key": "c"}, token)
    with pytest.raises(fantasy.Declined) as err:
        park.call("orders.pay", {"order_id": order["order_id"], "payment_key": "decline-1",
                                 "amount": order["amount"]}, token)
    assert (err.value.status, err.value.code) == (-13, "DECLINED")
    again = park.call("orders.get", {"order_id": order["order_id"]}, token)
    assert again["status"] == "PENDING_PAYMENT"


def test_host_acts_for_a_user_with_as_user_id(park):
    user = park.call_system("accounts.signup", {"username": "walkin",
                                                "password": "correct horse battery"})
    me = park.call_system("accounts.me", {"as_user_id": user["user_id"]})
    assert me["username"] == "walkin"
    with pytest.raises(fantasy.InvalidArgument):
        park.call_system("accounts.me")


def test_wrong_token_is_unauthenticated(park):
    with pytest.raises(fantasy.Unauthenticated) as err:
        park.call("accounts.me", token="not-a-token")
    assert err.value.status == -15
