-- The Lua binding end to end: open/close, a real order flow, failures as nil, message, code.
-- dkjson ships with busted; the binding itself only speaks JSON strings. JSON null decodes to
-- json.null so a present-but-null field stays visible.
local fantasy = require("fantasy")
local json = require("dkjson")

local START_MS = 1767225600000 -- 2026-01-01T00:00:00Z

-- A cheap KDF keeps signups fast; a manual clock makes expiry testable.
local function test_conf()
  return {
    store = "memory:",
    clock = "manual",
    ["clock.start_ms"] = START_MS,
    ["auth.kdf"] = "scrypt:N=1024,r=8,p=1",
    ["order.ttl_ms"] = 60000,
  }
end

local function decode(text)
  assert.is_string(text)
  local value, _, err = json.decode(text, 1, json.null)
  assert.is_nil(err)
  return value
end

local function must(text, message, code)
  assert(text, tostring(code) .. ": " .. tostring(message))
  return decode(text)
end

local function signup_and_login(park, username)
  local creds = json.encode({ username = username, password = "correct horse battery" })
  must(park:call("accounts.signup", creds))
  return must(park:call("accounts.login", creds))
end

local function open_product(park, stock)
  local draft = must(park:call_system("products.create", json.encode({
    name = "Day pass",
    type = "TICKET",
    price = { amount = 59000, currency = "KRW" },
    stock = stock,
  })))
  return must(park:call_system("products.open", json.encode({ product_id = draft.product_id })))
end

describe("fantasy.open", function()
  it("opens with defaults and closes twice safely", function()
    local park = assert(fantasy.open())
    assert.is_false(park:closed())
    assert.are.same({ items = {}, next_cursor = json.null }, must(park:call("products.list")))
    park:close()
    assert.is_true(park:closed())
    park:close()
    assert.is_true(park:closed())
    assert.are.equal("fantasy.park (closed)", tostring(park))
  end)

  it("closes a <close> variable at the end of its scope", function()
    local outer
    do
      local park <close> = assert(fantasy.open({ store = "memory:" }))
      outer = park
      assert.are.equal("fantasy.park (open)", tostring(park))
    end
    assert.is_true(outer:closed())
  end)

  it("closes a dropped park when it is collected", function()
    local weak = setmetatable({}, { __mode = "v" })
    weak[1] = assert(fantasy.open())
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
  end)

  it("names an unknown key", function()
    local park, message, code, status = fantasy.open({ ["no.such.key"] = "1" })
    assert.is_nil(park)
    assert.are.equal("INVALID_ARGUMENT", code)
    assert.are.equal(-1, status)
    assert.truthy(message:find("no.such.key", 1, true))
  end)

  it("stops at the first refused key among good ones", function()
    local conf = test_conf()
    conf["no.such.key"] = "1"
    local park, message, code = fantasy.open(conf)
    assert.is_nil(park)
    assert.are.equal("INVALID_ARGUMENT", code)
    assert.truthy(message:find("no.such.key", 1, true))
  end)

  it("names the key of a bad value", function()
    local park, message, code = fantasy.open({ store = "nosuch:" })
    assert.is_nil(park)
    assert.are.equal("INVALID_ARGUMENT", code)
    assert.truthy(message:find("store", 1, true))
  end)

  it("raises on conf arguments of the wrong type", function()
    assert.has_error(function() fantasy.open("memory:") end)
    assert.has_error(function() fantasy.open({ [1] = "memory:" }) end)
    assert.has_error(function() fantasy.open({ ["bus.retries"] = 2.5 }) end)
    assert.has_error(function() fantasy.open({ store = true }) end)
    assert.has_error(function() fantasy.open({ store = "memory:\0" }) end)
  end)

  it("reports the library version", function()
    assert.truthy(fantasy.version():match("^%d+%.%d+%.%d+"))
  end)
end)

describe("park", function()
  local park

  before_each(function()
    park = assert(fantasy.open(test_conf()))
  end)

  after_each(function()
    park:close()
  end)

  it("signs up, logs in, orders, pays, then reports SOLD_OUT", function()
    local alice = signup_and_login(park, "alice")
    assert.are.equal("USER", alice.user.role)
    local product = open_product(park, 2)
    assert.are.equal("OPEN", product.status)

    local order = must(park:call("orders.create", json.encode({
      product_id = product.product_id, quantity = 2, idempotency_key = "cart-1",
    }), alice.access_token))
    assert.are.equal("PENDING_PAYMENT", order.status)
    assert.are.same({ amount = 118000, currency = "KRW" }, order.amount)

    local paid = must(park:call("orders.pay", json.encode({
      order_id = order.order_id, payment_key = "sandbox-1", amount = order.amount,
    }), alice.access_token))
    assert.are.equal("PAID", paid.status)
    assert.are.equal(2, #paid.tickets)

    local bob = signup_and_login(park, "bob")
    local result, message, code, status = park:call("orders.create", json.encode({
      product_id = product.product_id, quantity = 1, idempotency_key = "cart-2",
    }), bob.access_token)
    assert.is_nil(result)
    assert.are.equal("SOLD_OUT", code)
    assert.are.equal(-6, status)
    assert.truthy(message:find(product.product_id, 1, true))

    local counts = must(park:call_system("products.get",
      json.encode({ product_id = product.product_id })))
    assert.are.same({ 0, 0, 2 }, { counts.available, counts.held, counts.sold })
  end)

  it("reports a declined payment and keeps the order payable", function()
    local token = signup_and_login(park, "carol").access_token
    local product = open_product(park, 5)
    local order = must(park:call("orders.create", json.encode({
      product_id = product.product_id, quantity = 1, idempotency_key = "c",
    }), token))
    local result, _, code = park:call("orders.pay", json.encode({
      order_id = order.order_id, payment_key = "decline-1", amount = order.amount,
    }), token)
    assert.is_nil(result)
    assert.are.equal("DECLINED", code)
    local again = must(park:call("orders.get", json.encode({ order_id = order.order_id }), token))
    assert.are.equal("PENDING_PAYMENT", again.status)
  end)

  it("advances the clock and runs what is due", function()
    local token = signup_and_login(park, "dave").access_token
    local product = open_product(park, 3)
    local order = must(park:call("orders.create", json.encode({
      product_id = product.product_id, quantity = 2, idempotency_key = "k",
    }), token))
    assert.are.equal(START_MS + 60001, must(park:advance_clock(60001)).now)
    assert.are.equal(1, must(park:run_due()).orders_expired)
    local got = must(park:call("orders.get", json.encode({ order_id = order.order_id }), token))
    assert.are.equal("EXPIRED", got.status)
  end)

  it("returns failures of the JSON surface as nil, message, code", function()
    local result, message, code = park:call("nosuch.method")
    assert.is_nil(result)
    assert.are.equal("NOT_FOUND", code)
    assert.truthy(message:find("nosuch.method", 1, true))
    result, _, code = park:call("products.list", "{not json")
    assert.is_nil(result)
    assert.are.equal("INVALID_ARGUMENT", code)
    result, _, code = park:call("accounts.me", nil, "not-a-token")
    assert.is_nil(result)
    assert.are.equal("UNAUTHENTICATED", code)
    result, _, code = park:call_system("accounts.me")
    assert.is_nil(result)
    assert.are.equal("INVALID_ARGUMENT", code)
  end)

  it("raises only on arguments of the wrong type", function()
    assert.has_error(function() park:call(true) end)
    assert.has_error(function() park:call("products.list", { limit = 5 }) end)
    assert.has_error(function() park:call("products.list", nil, {}) end)
    assert.has_error(function() park:call_system("products.list", "{}\0") end)
    assert.has_error(function() park:advance_clock("soon") end)
    assert.has_error(function() park.call({}, "products.list") end)
  end)

  it("answers MISUSE once closed", function()
    park:close()
    local result, message, code, status = park:call("products.list")
    assert.is_nil(result)
    assert.are.equal("MISUSE", code)
    assert.are.equal(-21, status)
    assert.truthy(message:find("closed", 1, true))
    result, _, code = park:call_system("park.stats")
    assert.is_nil(result)
    assert.are.equal("MISUSE", code)
    result, _, code = park:run_due()
    assert.is_nil(result)
    assert.are.equal("MISUSE", code)
  end)
end)

describe("a park on the system clock", function()
  it("refuses to advance it", function()
    local park <close> = assert(fantasy.open())
    local result, _, code = park:advance_clock(1)
    assert.is_nil(result)
    assert.are.equal("INVALID_STATE", code)
  end)
end)
